"""Headless scenarios of the technician mode.

"technician-setup": a lobby kiosk fresh from the box (not enrolled, no PIN), a real central on
loopback, a serial scanner on a pty pair and a folder standing for a USB stick. The technician
holds the top-left corner, chooses a PIN (a weak one first), types a used enrolment code (refused
with the reason), scans the central's enrolment QR, enrols, changes the printer, runs the
self-tests (the scanner test reads a code from the pty), saves a diagnostics bundle to the
"USB stick", sends it, and finally confirms a factory reset, which the launcher performs once
the app has stopped.

"technician-lockout": an enrolled kiosk with a PIN; three wrong PINs lock technician mode, and
the lock is shown with the time it ends.
"""
from __future__ import annotations

import functools
import json
import os
import shutil
import sqlite3
import tempfile
import time
import tomllib
import tty
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generator, Iterator

import requests

from devices.serial.simulator import PanelSimulator
from kiosk.contract.config import SAMPLE_CONFIG, Config
from kiosk.domain.clock import Clock
from kiosk.sync.enrolment import INSECURE_ENV
from screens.scenarios.driver import ScenarioDriver
from screens.scenarios.lobby import LobbyScenario
from screens.scenarios.roles import RoleScenario

GOOD_PIN = "2580"
WEAK_PIN = "1111"


def hold_corner(d: ScenarioDriver) -> Iterator:
    """A finger held on the top-left corner of the window until technician mode opens."""
    from kivy.core.window import Window  # Kivy: imported once the launcher has configured it
    from screens.scenarios.touch import Finger  # Kivy: once configured
    touch = Finger(Window.width * 0.03, Window.height * 0.97)
    touch.touch_down()
    d.mark("corner_held_s")
    yield d.until(lambda: d.app.technician.active, 6, "technician mode to open", settle=0)
    touch.touch_up()
    d.facts.setdefault("held_s", round(time.monotonic() - d._t0 - d.marks["corner_held_s"], 2))


def type_pin(d: ScenarioDriver, pin: str) -> Iterator:
    screen = d.screen("tech_pin")
    for digit in pin:
        d.tap(screen.keys[digit])
        yield d.frames(0)
    d.tap(screen.keys["K"])
    yield d.frames(1)


def enter_with_pin(d: ScenarioDriver, how: str = "corner", screenshot: str | None = None) -> Iterator:
    """A PIN set as `kiosk provision set-pin` would, technician mode opened (corner or keys),
    the PIN typed: the menu."""
    from kivy.core.window import Window  # Kivy: imported once the launcher has configured it
    d.app.technician.session.access.set_pin(GOOD_PIN, actor="cli")
    if how == "keys":
        Window.dispatch("on_key_down", 116, 28, "t", ["ctrl", "alt"])
        yield d.on("tech_pin")
    else:
        yield from hold_corner(d)
    pin = d.screen("tech_pin")
    yield d.until(lambda: pin.stage == "enter", 5, "the PIN pad")
    if screenshot:
        yield from d.screenshot(screenshot)
    yield from type_pin(d, GOOD_PIN)
    yield d.on("tech_menu")


def menu_to(d: ScenarioDriver, here: str, there: str) -> Iterator:
    """From a technician screen back to the menu, then to another screen ("leave": home)."""
    if here != "tech_menu":
        d.tap(d.widget(here, "back"))
        yield d.on("tech_menu")
    d.tap(d.widget("tech_menu", {"tech_enrol": "enrol", "tech_devices": "devices", "tech_tests": "tests",
                                 "tech_diag": "diag"}.get(there, "leave")))
    if there.startswith("tech_"):
        yield d.on(there)


def type_text(d: ScenarioDriver, keyboard, text: str) -> Iterator:
    for ch in text:
        d.tap(keyboard.keys[ch])
        yield d.frames(0)


def audit_actions(app) -> list[str]:
    with sqlite3.connect(app.runtime.data_dir / "kiosk.db") as db:
        rows = db.execute("select payload from outbox where type = 'audit' order by seq").fetchall()
    return [json.loads(p)["action"] for (p,) in rows]


def written_audit(d: ScenarioDriver) -> Generator[Any, None, list[str]]:
    """The audit trail once the technician worker has run every job given so far: the screen
    changes at once, the audit (e.g. "technician.left") is written after it on that thread."""
    written = d.app.technician.worker.mark()
    yield d.until(written.is_set, 5, "the technician worker to write the audit")
    return audit_actions(d.app)


@dataclass
class SetupScenario(LobbyScenario):
    """A kiosk with no central and no PIN, a real central to enrol with, a scanner on a pty."""
    work: dict = field(default_factory=dict)

    def prepare(self, config: Config, data_dir: Path) -> tuple[Config, Clock | None]:
        config, clock = super().prepare(config, data_dir)
        # The central's server stack (FastAPI, ~0.5 s to import) is loaded only by the scenario
        # that starts one: this package is imported by every `kiosk` command line.
        from central.embedded import start_embedded
        work = Path(tempfile.mkdtemp(prefix="kiosk-technician-"))
        central = start_embedded(f"sqlite:///{work / 'central.db'}")
        # the scenario's own central on loopback (http): the explicit insecure flag of a test bench
        os.environ[INSECURE_ENV] = "1"
        admin = {"Authorization": f"Bearer {central.admin_token}"}
        requests.put(f"{central.url}/api/v1/admin/centres", json=_centre_document(), headers=admin,
                     timeout=10).raise_for_status()

        def code() -> str:
            r = requests.post(f"{central.url}/api/v1/admin/enrolment-codes", json={"role": "lobby"},
                              headers=admin, timeout=10)
            r.raise_for_status()
            return r.json()["code"]

        used = code()
        requests.post(f"{central.url}/api/v1/enrol", json={"code": used}, timeout=10).raise_for_status()
        master, slave = os.openpty()
        tty.setraw(master)
        tty.setraw(slave)
        usb = work / "media" / "technician" / "KINGSTON"
        usb.mkdir(parents=True)
        os.environ["KIOSK_MEDIA_ROOTS"] = str(work / "media")
        self.work = {"dir": work, "central": central, "used_code": used, "code": code(), "master": master,
                     "slave": slave, "usb": usb}
        scanner = config.scanner.model_copy(update={"kind": "serial", "port": os.ttyname(slave), "timeout_s": 0.3})
        central_settings = config.central.model_copy(update={"url": None, "token": None, "device_index": None})
        return config.model_copy(update={"scanner": scanner, "central": central_settings}), clock

    def scan(self, text: str) -> None:
        os.write(self.work["master"], text.encode() + b"\r\n")

    def cleanup(self) -> None:
        if not self.work:
            return
        self.work["central"].stop()
        for fd in (self.work["master"], self.work["slave"]):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.work["dir"], ignore_errors=True)


def _centre_document() -> dict:
    data = tomllib.loads(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    for local in ("device", "printer", "speech", "central", "counter", "scanner"):
        data.pop(local, None)
    return data


def _setup(d: ScenarioDriver) -> Iterator:
    assert isinstance(d.scenario, SetupScenario)
    app, work = d.app, d.scenario.work
    mode = app.technician
    yield from d.started()
    yield from d.screenshot("attract")

    # 1. A tap on the corner is a citizen's tap: it starts the ticket flow, not technician mode.
    d.tap_at(0.03, 0.97)
    yield d.on("services")
    d.facts["corner_tap_opens"] = app.sm.current
    app.go_home()
    yield d.on("attract")

    # 2. Held for 3 s: the PIN pad. A fresh kiosk asks for a first PIN; a weak one is refused.
    yield from hold_corner(d)
    pin = d.screen("tech_pin")
    yield d.until(lambda: pin.stage != "checking", 5, "the PIN state")
    d.facts["first_pin_stage"] = pin.stage
    yield from d.screenshot("tech-pin-choose")
    yield from type_pin(d, WEAK_PIN)
    yield from type_pin(d, WEAK_PIN)
    yield d.until(lambda: bool(pin.message), 5, "the weak PIN refusal")
    d.facts["weak_pin_message"] = pin.message
    yield from d.screenshot("tech-pin-weak")
    yield from type_pin(d, GOOD_PIN)
    yield from type_pin(d, GOOD_PIN)
    yield d.on("tech_menu")
    menu = d.screen("tech_menu")
    yield d.until(lambda: bool(menu.summary), 5, "the device summary")
    d.facts["menu_before"] = dict(menu.summary)
    yield from d.screenshot("tech-menu")

    # 3. Enrolment: a used code typed by hand is refused with the reason ...
    d.tap(d.widget("tech_menu", "enrol"))
    yield d.on("tech_enrol")
    enrol = d.screen("tech_enrol")
    keyboard = enrol.ids.keyboard
    yield from type_text(d, keyboard, work["central"].url)
    d.tap(d.widget("tech_enrol", "code_field"))
    yield d.frames(1)
    yield from type_text(d, keyboard, work["used_code"].lower())
    yield from d.screenshot("tech-enrol-typed")
    d.tap(d.widget("tech_enrol", "enrol"))
    yield d.until(lambda: bool(enrol.message) and not enrol.busy, 15, "the refusal")
    d.facts["enrol_refused"] = {"message": enrol.message, "url": enrol.url, "code": enrol.code}
    yield from d.screenshot("tech-enrol-refused")
    # ... then the central's QR code is scanned: both fields filled, and the enrolment works.
    d.scenario.scan(json.dumps({"v": 1, "central": work["central"].url, "code": work["code"]}))
    yield d.until(lambda: enrol.code == work["code"], 10, "the scanned enrolment QR")
    d.tap(d.widget("tech_enrol", "enrol"))
    yield d.until(lambda: enrol.done or (enrol.message and not enrol.busy and not enrol.message_ok), 15,
                  "the enrolment")
    enrolment_file = app.runtime.data_dir / "enrolment.json"
    d.facts["enrolled"] = {"done": enrol.done, "result": enrol.result, "message": enrol.message,
                           "file": enrolment_file.is_file(),
                           "file_mode": oct(enrolment_file.stat().st_mode & 0o777) if enrolment_file.is_file()
                           else None}
    yield from d.screenshot("tech-enrolled")
    d.tap(d.widget("tech_enrol", "back"))
    yield d.on("tech_menu")
    yield d.until(lambda: menu.enrolled, 5, "the menu to show the enrolment")
    d.facts["menu_after"] = dict(menu.summary)
    yield from d.screenshot("tech-menu-restart")

    # 4. Devices: the ports, then the printer set to "none" and saved in the config file.
    d.tap(d.widget("tech_menu", "devices"))
    yield d.on("tech_devices")
    devices = d.screen("tech_devices")
    yield d.until(lambda: devices.loaded, 10, "the ports and settings")
    yield from d.screenshot("tech-devices")
    d.tap(d.widget("tech_devices", "printer_kind"))
    yield d.until(lambda: devices.printer_kind == "none", 3, "printer kind none")
    d.tap(d.widget("tech_devices", "save"))
    yield d.until(lambda: bool(devices.message) and not devices.busy, 10, "the save")
    config_file = app.runtime.config_path
    d.facts["devices_saved"] = {"message": devices.message, "ok": devices.message_ok, "file": str(config_file),
                                "printer_kind_in_file": _printer_kind(config_file)}
    yield from d.screenshot("tech-devices-saved")

    # 5. Self-tests: everything that needs no hand, then the scanner reads a code from the pty.
    yield from menu_to(d, "tech_devices", "tech_tests")
    tests = d.screen("tech_tests")
    d.tap(d.widget("tech_tests", "run_all"))
    automatic = [n for n in tests.rows if n not in ("scanner", "panel")]
    yield d.until(lambda: all(tests.rows[n].state in ("pass", "fail") for n in automatic), 30, "the self-tests")
    d.tap(_row_button(tests.rows["scanner"]))
    yield d.until(lambda: tests.waiting_for == "scanner", 3, "the scanner test to wait")
    d.scenario.scan("KMC1:TEST-SCAN")
    yield d.until(lambda: tests.rows["scanner"].state in ("pass", "fail"), 10, "the scanned test code")
    d.facts["tests"] = {n: {"state": r.state, "detail": r.detail} for n, r in tests.rows.items()}
    yield from d.screenshot("tech-tests")

    # 6. Diagnostics to the "USB stick", and sent to the central.
    yield from menu_to(d, "tech_tests", "tech_diag")
    diag = d.screen("tech_diag")
    yield d.until(lambda: bool(diag.targets), 5, "the USB stick")
    d.tap(diag.ids.targets.children[-1])
    yield d.until(lambda: bool(diag.message) and not diag.busy, 15, "the bundle")
    d.facts["diagnostics"] = {"targets": list(diag.targets), "message": diag.message, "bundle": diag.last_bundle,
                              "files": sorted(p.name for p in Path(work["usb"]).iterdir())}
    d.tap(d.widget("tech_diag", "send"))
    yield d.until(lambda: "central" in diag.message.lower() or "trung tâm" in diag.message.lower(), 10,
                  "the bundle to be queued")
    d.facts["diagnostics"]["sent"] = diag.message
    yield from d.screenshot("tech-diagnostics")

    # 7. Leave, and the audit trail of all this waits in the outbox for the central.
    d.tap(d.widget("tech_diag", "back"))
    yield d.on("tech_menu")
    d.tap(d.widget("tech_menu", "leave"))
    yield d.on("attract")
    d.facts["audit"] = yield from written_audit(d)

    # 8. Back in with the PIN, and a factory reset, confirmed.
    yield from hold_corner(d)
    yield d.until(lambda: pin.stage == "enter", 5, "the PIN pad")
    yield from type_pin(d, GOOD_PIN)
    yield d.on("tech_menu")
    d.tap(d.widget("tech_menu", "diag"))
    yield d.on("tech_diag")
    d.tap(d.widget("tech_diag", "reset"))
    yield d.until(lambda: diag.confirm_reset, 3, "the confirmation")
    yield from d.screenshot("tech-reset-confirm")
    d.tap(d.widget("tech_diag", "reset_confirm"))
    yield d.until(lambda: mode.reset_requested, 10, "the reset to be asked")
    d.facts["reset_requested"] = True
    d.facts["audit_final"] = (yield from written_audit(d))[len(d.facts["audit"]):]


def _pressed_at_least(tests: Any, n: int) -> bool:
    return len(tests.presses) >= n


def _row_button(row: Any) -> Any:
    """The test row's button (its only button)."""
    return next(w for w in row.children if hasattr(w, "trigger_action"))


def _printer_kind(path) -> str | None:
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8")).get("printer", {}).get("kind")
    except (OSError, ValueError):
        return None


def _lockout(d: ScenarioDriver) -> Iterator:
    app = d.app
    yield from d.started()
    app.technician.session.access.set_pin(GOOD_PIN, actor="cli")  # as `kiosk provision set-pin` would
    yield from hold_corner(d)
    pin = d.screen("tech_pin")
    yield d.until(lambda: pin.stage == "enter", 5, "the PIN pad")
    yield from d.screenshot("tech-pin")
    messages = []
    for attempt in ("1234", "9999", "0000"):
        yield from type_pin(d, attempt)
        yield d.until(lambda: bool(pin.message) and not pin.busy, 5, "the answer")
        messages.append(pin.message)
        if attempt != "0000":
            pin.message = ""
    d.facts["wrong_pin_messages"] = messages
    d.facts["stage_after"] = pin.stage
    d.facts["pad_disabled"] = pin.ids.pad.disabled
    yield from d.screenshot("tech-pin-locked")
    d.tap(pin.keys["5"])  # the pad takes nothing while locked
    yield d.frames(1)
    d.facts["typed_while_locked"] = pin.digits
    d.tap(d.widget("tech_pin", "cancel"))
    yield d.on("attract")
    d.facts["audit"] = yield from written_audit(d)


def _counter(d: ScenarioDriver) -> Iterator:
    """A counter terminal with an ft12 bus on a pty: the panel assignment is shown with its
    address map, and the panel test receives presses that are never recorded as ratings."""
    yield from d.first_frame()
    yield from enter_with_pin(d, screenshot="counter-tech-pin")
    yield from menu_to(d, "tech_menu", "tech_devices")
    devices = d.screen("tech_devices")
    yield d.until(lambda: devices.loaded, 10, "the settings")
    d.facts["panels"] = [{"port": r.port, "protocol": r.protocol, "mapping": r.mapping}
                         for r in reversed(devices.ids.panels.children)]
    d.facts["counters_text"] = devices.counters_text
    d.facts["rating_text"] = devices.rating_text
    yield from d.screenshot("counter-tech-devices")
    yield from menu_to(d, "tech_devices", "tech_tests")
    tests = d.screen("tech_tests")
    scenario: Any = d.scenario  # the counter scenario, which opened a pty pair
    sim = PanelSimulator(scenario.pair.dev, "ft12", addresses=(0x01, 0x81))
    sim.open()
    try:
        d.tap(_row_button(tests.rows["panel"]))
        yield d.until(lambda: tests.waiting_for == "panel", 3, "the panel test to wait")
        for key in (1, 2, 3):
            sim.press(key, address=0x81)
            yield d.until(functools.partial(_pressed_at_least, tests, key), 5, f"press {key}")
        yield from d.screenshot("counter-tech-panel-pressed")
        d.tap(_row_button(tests.rows["panel"]))  # "Done"
        yield d.until(lambda: tests.rows["panel"].state in ("pass", "fail"), 5, "the panel result")
    finally:
        sim.close()
    d.facts["panel_test"] = {"state": tests.rows["panel"].state, "detail": tests.rows["panel"].detail}
    d.facts["ratings_recorded"] = d.db_rows("select count(*) from rating")[0][0]
    yield from menu_to(d, "tech_tests", "tech_enrol")
    yield from d.screenshot("counter-tech-enrol")
    yield from menu_to(d, "tech_enrol", "leave")
    yield d.on("serve")
    d.facts["audit"] = yield from written_audit(d)


def _display(d: ScenarioDriver) -> Iterator:
    """A hall display (often no touch screen): Ctrl+Alt+T on a plugged keyboard opens technician
    mode; the self-tests run; leaving returns to the calls."""
    app = d.app
    yield from d.first_frame()
    yield from enter_with_pin(d, how="keys")
    d.facts["opened_by"] = app.technician.opened_by
    yield from menu_to(d, "tech_menu", "tech_tests")
    tests = d.screen("tech_tests")
    d.tap(d.widget("tech_tests", "run_all"))
    yield d.until(lambda: all(r.state in ("pass", "fail") for r in tests.rows.values()), 30, "the self-tests")
    d.facts["tests"] = {n: r.state for n, r in tests.rows.items()}
    yield from d.screenshot("display-tech-tests")
    yield from menu_to(d, "tech_tests", "leave")
    yield d.on("calls")
    d.facts["audit"] = yield from written_audit(d)


SCENARIOS = {s.name: s for s in (
    SetupScenario(
        "technician-setup", "a kiosk fresh from the box: hidden gesture, first PIN, enrolment (a used code, then the "
        "central's QR scanned), printer assignment, self-tests, diagnostics to USB, factory reset", _setup,
        embedded_central=False, timeout_s=150),
    LobbyScenario(
        "technician-lockout", "three wrong technician PINs lock the mode, with the time it ends", _lockout,
        timeout_s=60),
    RoleScenario(
        "display-technician", "technician mode on a hall display, opened with Ctrl+Alt+T: self-tests, then back "
        "to the calls", _display, role="display"),
    RoleScenario(
        "counter-technician", "technician mode on a counter terminal: the panel's address map, and a panel test "
        "whose presses are never ratings", _counter, role="counter", counter={"counters": [1]}, with_panel=True),
)}
