"""The technician screens (layout in technician.kv). Each asks TechnicianSession for its data
through TechnicianMode.run (a worker thread) and shows the answer; none touches a device, a
file or the network on the UI thread."""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from kiosk.i18n import N_
from screens.base import load_kv
from screens.keyboard import CodeKeyboard

log = logging.getLogger(__name__)

PIN_MAX = 12
SCAN_TEST_S = 30.0
PANEL_TEST_S = 60.0
ROLE_TEXT = {"lobby": N_("Lobby kiosk"), "counter": N_("Counter terminal"), "display": N_("Hall display")}
CHECK_TEXT = {"printer": N_("Printer: print a test ticket, read its status"),
              "scanner": N_("Scanner: scan any QR code"),
              "panel": N_("Panel: press each button in turn"),
              "speech": N_("Speech: say a test sentence"),
              "central": N_("Central system: reach it and log in"),
              "disk": N_("Disk space"),
              "clock": N_("Clock: compared with the central")}
ENROL_REASONS = {"expired": N_("This enrolment code has expired: ask the central's administrator for a new one."),
                 "already_used": N_("This enrolment code was already used: ask for a new one."),
                 "unknown": N_("Unknown enrolment code: check the spelling, or ask for a new one."),
                 "tls": N_("The central's TLS certificate is not trusted: choose its CA file."),
                 "unreachable": N_("The central cannot be reached: check the address and the network."),
                 "bad_url": N_("The central's address must start with http:// or https://."),
                 "bad_qr": N_("This QR code is not an enrolment code from the central."),
                 "not_enrolment": N_("This address answers, but it is not a Kiosk Một Cửa central system.")}
MSG_WEAK_PIN = N_("This PIN is too easy to guess. Choose 4 to 12 digits, not all the same and not in a row.")
MSG_NO_PORT = N_("No serial port found. Is the USB-serial adapter plugged in?")
MSG_QUEUED = N_("Queued for the central system: it is sent with the next sync.")
PRINTER_KINDS = ("none", "serial", "usb", "network", "file", "preview")
SCANNER_KINDS = ("none", "serial", "evdev")
PROTOCOLS = ("ft12", "ascii", "modbus")
LEVELS = ("very_satisfied", "satisfied", "unsatisfied")
LEVEL_TEXT = {"very_satisfied": N_("Very satisfied"), "satisfied": N_("Satisfied"),
              "unsatisfied": N_("Not satisfied")}


def _cycle(options: list | tuple, current):
    options = list(options)
    if not options:
        return current
    return options[(options.index(current) + 1) % len(options)] if current in options else options[0]


class Collapsible(BoxLayout):
    """A vertical section that can be hidden. Hidden, its children leave the widget tree: a
    zero-height box would still lay them over its neighbours, and its buttons would take
    their touches."""
    shown = BooleanProperty(True)

    def on_kv_post(self, base_widget) -> None:
        self._stash: list = []
        self._apply()

    def on_shown(self, *args) -> None:
        self._apply()

    def _apply(self) -> None:
        if not hasattr(self, "_stash"):
            return
        if self.shown and self._stash:
            for widget in reversed(self._stash):  # children are listed last-added first
                self.add_widget(widget)
            self._stash = []
        elif not self.shown and self.children:
            self._stash = list(self.children)
            self.clear_widgets()


class TechScreen(Screen):
    app = ObjectProperty(None)
    mode = ObjectProperty(None)
    busy = BooleanProperty(False)
    message = StringProperty("")
    message_ok = BooleanProperty(False)

    def tr(self, msgid: str) -> str:
        return self.app.tr(msgid)

    def prepare(self, **kwargs) -> None:
        self.message = ""
        self.busy = False

    def idle_timeout(self) -> float | None:
        return None  # TechnicianMode has its own, longer, inactivity timeout

    def say(self, text: str, ok: bool = False) -> None:
        self.message, self.message_ok, self.busy = text, ok, False

    def local_time(self, when: dt.datetime) -> str:
        return when.astimezone(ZoneInfo(self.app.kiosk_config.centre.timezone)).strftime("%H:%M:%S")


# -- PIN -----------------------------------------------------------------------------------------
class TechPinScreen(TechScreen):
    """stage: checking | enter | choose | confirm | missing | locked"""
    stage = StringProperty("checking")
    digits = StringProperty("")
    locked_text = StringProperty("")

    def on_kv_post(self, base_widget) -> None:
        from screens.keyboard import KeyButton
        self.keys = {}
        for value in "123456789D0K":  # a phone's layout; D = delete, K = OK
            if value == "D":
                key = KeyButton(text=self.tr("Delete"), role="secondary")
                key.bind(on_release=lambda k: self.delete())
            elif value == "K":
                key = KeyButton(text=self.tr("OK"), role="primary")
                key.bind(on_release=lambda k: self.ok())
            else:
                key = KeyButton(text=value, value=value)
                key.bind(on_release=lambda k: self.press(k.value))
            key.font_size = self.app.u * (64 if value.isdigit() else 44)
            self.keys[value] = key
            self.ids.pad.add_widget(key)

    def prepare(self, **kwargs) -> None:
        super().prepare()
        self.digits, self.stage, self._first = "", "checking", ""
        self.mode.run(lambda s: (s.pin_state(), s.access.locked_until()), on_done=self._state)

    def _state(self, answer) -> None:
        state, locked = answer
        if locked is not None:
            self._locked(locked)
        else:
            self.stage = {"set": "enter", "first": "choose"}.get(state, "missing")

    def _locked(self, until: dt.datetime) -> None:
        self.stage = "locked"
        self.digits = ""
        self.say(self.tr("Too many wrong PINs: technician mode is locked until {time}.").format(
            time=self.local_time(until)))
        # Offer the pad again once the lock is over.
        wait = max(1.0, (until - self.mode.session.ctx.clock()).total_seconds() + 0.5)
        Clock.schedule_once(lambda dt_: self.stage == "locked" and self.prepare(), wait)

    def press(self, digit: str) -> None:
        if self.stage in ("enter", "choose", "confirm") and not self.busy and len(self.digits) < PIN_MAX:
            self.digits += digit

    def delete(self) -> None:
        self.digits = self.digits[:-1]

    def ok(self) -> None:
        if self.busy or not self.digits:
            return
        pin, self.digits = self.digits, ""
        if self.stage == "enter":
            self.busy = True
            self.mode.run(lambda s: s.enter(pin), on_done=lambda _: self.mode.welcome(), on_error=self._refused)
        elif self.stage == "choose":
            self._first, self.stage = pin, "confirm"
            self.message = ""
        elif self.stage == "confirm":
            self.busy = True
            first = self._first
            self.mode.run(lambda s: s.set_first_pin(first, pin), on_done=lambda _: self.mode.welcome(),
                          on_error=self._refused)

    def _refused(self, exc: BaseException) -> None:
        self.busy = False
        reason = getattr(exc, "reason", "")
        until = getattr(exc, "locked_until", None)
        if until is not None:
            self._locked(until)
        elif reason == "wrong":
            self.say(self.tr("Wrong PIN. Try again."))
        elif reason == "weak":
            self.stage = "choose"
            self.say(self.tr(MSG_WEAK_PIN))
        elif reason == "mismatch":
            self.stage = "choose"
            self.say(self.tr("The two PINs differ. Choose the PIN again."))
        else:
            log.error("technician PIN step failed: %r", exc)
            self.say(self.tr("The PIN could not be checked. Try again."))

    def cancel(self) -> None:
        self.mode.leave("cancel")


# -- menu ----------------------------------------------------------------------------------------
class TechMenuScreen(TechScreen):
    summary = ListProperty([])   # [(label msgid, value)]
    enrolled = BooleanProperty(False)

    def prepare(self, **kwargs) -> None:
        super().prepare()
        self.mode.run(self._read, on_done=self._show)

    @staticmethod
    def _read(session) -> dict:
        from kiosk import __version__
        c = session.ctx.config
        return {"device": c.device.id, "role": c.device.role, "centre": f"{c.centre.code} — {c.centre.name}",
                "central": c.central.url or "", "enrolled": session.enrolled(), "config": str(session.ctx.config_path),
                "data": str(session.ctx.data_dir), "version": __version__}

    def _show(self, info: dict) -> None:
        tr = self.tr
        self.enrolled = info["enrolled"]
        self.summary = [
            (tr("Device"), info["device"]),
            (tr("Role"), tr(ROLE_TEXT.get(info["role"], info["role"]))),
            (tr("Centre"), info["centre"]),
            (tr("Central system"), info["central"] if info["enrolled"] else tr("Not enrolled")),
            (tr("Config file"), info["config"]),
            (tr("Software version"), info["version"]),
        ]
        from kivy.factory import Factory
        grid = self.ids.summary
        grid.clear_widgets()
        for label, value in self.summary:
            grid.add_widget(Factory.TechText(text=label, bold=True, size_hint_x=0.35))
            grid.add_widget(Factory.TechText(text=value, size_hint_x=0.65))


# -- enrolment -----------------------------------------------------------------------------------
class TechKeyboard(CodeKeyboard):
    """Letters in QWERTY order (technicians type on keyboards), lower case for addresses, and
    the signs of a URL."""
    rows_spec = ("1234567890", "qwertyuiop", "asdfghjkl-", "zxcvbnm:/.")
    upper = False


class TechEnrolScreen(TechScreen):
    url = StringProperty("")
    code = StringProperty("")
    field = StringProperty("url")                 # the field the keyboard types into
    ca_files = ListProperty([])                   # CA certificates found (str paths)
    ca_file = StringProperty("")                  # "" = the system's certificates
    result = StringProperty("")
    done = BooleanProperty(False)

    def prepare(self, **kwargs) -> None:
        super().prepare()
        self.done, self.result = False, ""
        self.select("url" if not self.url else "code")
        self.mode.run(lambda s: [str(p) for p in s.ca_candidates()], on_done=self._cas)

    def _cas(self, paths: list[str]) -> None:
        self.ca_files = paths

    def select(self, field: str) -> None:
        self.field = field
        self.ids.keyboard.text = getattr(self, field)

    def on_kv_post(self, base_widget) -> None:
        self.ids.keyboard.bind(text=self._typed)

    def _typed(self, keyboard, text: str) -> None:
        # Codes are printed in capitals (the central ignores case and dashes).
        setattr(self, self.field, text.upper() if self.field == "code" else text)

    def next_ca(self) -> None:
        self.ca_file = _cycle([""] + list(self.ca_files), self.ca_file)

    def scanned(self, data: str) -> None:
        """The QR printed by `kiosk central enrol-code`, read by the kiosk's scanner."""
        if self.busy:
            return

        def filled(answer) -> None:
            self.url, self.code = answer
            self.select("code")
            self.say(self.tr("Read from the QR code. Check the address, then tap Enrol."), ok=True)

        self.mode.run(lambda s: s.parse_scanned(data), on_done=filled, on_error=self._failed)

    def enrol(self) -> None:
        if self.busy:
            return
        if not self.url.strip() or not self.code.strip():
            self.say(self.tr("Type the central's address and the enrolment code, or scan the QR code."))
            return
        self.busy = True
        self.message = ""
        url, code, ca = self.url.strip(), self.code.strip(), self.ca_file or None
        self.mode.run(lambda s: s.enrol(url, code, ca_file=ca), on_done=self._enrolled, on_error=self._failed)

    def _enrolled(self, enrolment) -> None:
        from kiosk.sync.enrolment import short_device_id
        self.busy, self.done = False, True
        self.code = ""
        self.result = self.tr("Enrolled: {role} {device}, centre {centre}.").format(
            role=self.tr(ROLE_TEXT.get(enrolment.role, enrolment.role)), device=short_device_id(enrolment.device_id),
            centre=enrolment.centre_code)
        self.say(self.tr("Restart the kiosk to work with the central system."), ok=True)
        self.mode.need_restart("enrolled")

    def _failed(self, exc: BaseException) -> None:
        reason = getattr(exc, "reason", "")
        text = ENROL_REASONS.get(reason)
        self.say(self.tr(text) if text else str(exc))


# -- device assignment ---------------------------------------------------------------------------
class PanelRow(BoxLayout):
    """One panel port of a counter terminal (layout in technician.kv)."""
    screen = ObjectProperty(None)
    index = NumericProperty(0)
    port = StringProperty("")
    protocol = StringProperty("ft12")
    mapping = StringProperty("")


class TechDevicesScreen(TechScreen):
    ports_text = StringProperty("")
    port_choices = ListProperty([])
    printer_kind = StringProperty("preview")
    printer_device = StringProperty("")
    scanner_kind = StringProperty("none")
    scanner_port = StringProperty("")
    show_counter = BooleanProperty(False)
    counters_text = StringProperty("")
    rating_text = StringProperty("")
    first_key = NumericProperty(1)
    loaded = BooleanProperty(False)

    def prepare(self, **kwargs) -> None:
        super().prepare()
        self.loaded = False
        self.mode.run(lambda s: (s.ports(), s.assignment(), s.ctx.config), on_done=self._loaded,
                      on_error=lambda exc: self.say(str(exc)))

    def _loaded(self, answer) -> None:
        ports, a, config = answer
        self.assignment, self.config = a, config
        lines, choices = [], []
        for p in ports:
            usb = f"USB {p.vid:04x}:{p.pid:04x}" if p.vid is not None else ""
            lines.append("  ".join(x for x in (p.device, usb, p.serial_number or "", p.description or "") if x))
            lines.extend(f"      → {link}" for link in p.by_id)
            choices.append(p.by_id[0] if p.by_id else p.device)
        self.ports_text = "\n".join(lines) or self.tr(MSG_NO_PORT)
        for current in (a.printer_device, a.scanner_port, *(panel.port for panel in a.panels)):
            if current and current not in choices:
                choices.append(current)   # configured, not plugged in now: still choosable
        self.port_choices = choices
        self.printer_kind, self.printer_device = a.printer_kind, a.printer_device or ""
        self.scanner_kind, self.scanner_port = a.scanner_kind, a.scanner_port or ""
        self.show_counter = "panels" in self.mode.capabilities or config.device.role == "counter" or bool(a.panels)
        self.served = list(a.counters)
        keys = sorted(a.rating_keys) if a.rating_keys else []
        self.first_key = keys[0] if keys else config.counter.rating.first_key
        self._build_panels()
        self._update_texts()
        self.loaded = True

    # choices (each tap moves to the next option)
    def next_printer_kind(self) -> None:
        self.printer_kind = _cycle(PRINTER_KINDS, self.printer_kind)

    def next_printer_device(self) -> None:
        self.printer_device = _cycle(self.port_choices, self.printer_device)

    def next_scanner_kind(self) -> None:
        self.scanner_kind = _cycle(SCANNER_KINDS, self.scanner_kind)

    def next_scanner_port(self) -> None:
        self.scanner_port = _cycle(self.port_choices, self.scanner_port)

    def next_counters(self) -> None:
        """Cycles through: every counter, then each configured counter alone."""
        numbers = [c.number for c in self.config.counters]
        options = [[]] + [[n] for n in numbers]
        self.served = _cycle(options, self.served)
        self._update_texts()

    def change_first_key(self, step: int) -> None:
        self.first_key = max(0, min(250, self.first_key + step))
        self._update_texts()

    def add_panel(self) -> None:
        from provisioning.assign import PanelChoice
        n = len(self.assignment.panels) + 1
        self.assignment.panels.append(PanelChoice(name=f"panel-{n}", port=self.port_choices[0]
                                                  if self.port_choices else "/dev/ttyUSB0"))
        self._build_panels()

    def remove_panel(self, index: int) -> None:
        del self.assignment.panels[index]
        self._build_panels()

    def next_panel_port(self, row: PanelRow) -> None:
        row.port = self.assignment.panels[row.index].port = _cycle(self.port_choices, row.port)

    def next_panel_protocol(self, row: PanelRow) -> None:
        row.protocol = self.assignment.panels[row.index].protocol = _cycle(PROTOCOLS, row.protocol)
        self._update_texts()

    def _counters(self) -> list[int]:
        return self.served or [c.number for c in self.config.counters]

    def _build_panels(self) -> None:
        box = self.ids.panels
        box.clear_widgets()
        for i, panel in enumerate(self.assignment.panels):
            box.add_widget(PanelRow(screen=self, index=i, port=panel.port, protocol=panel.protocol))
        self._update_texts()

    def _update_texts(self) -> None:
        from provisioning.assign import default_panel_map
        tr = self.tr
        counters = self._counters()
        self.counters_text = (", ".join(map(str, self.served)) if self.served
                              else tr("all ({numbers})").format(numbers=", ".join(map(str, counters))))
        self.rating_text = ",  ".join(f"{tr('key')} {self.first_key + i} → {tr(LEVEL_TEXT[level])}"
                                      for i, level in enumerate(LEVELS))
        for row in self.ids.panels.children:
            panel = self.assignment.panels[row.index]
            if panel.protocol == "ascii":
                panel.counter, panel.evaluators, panel.callers = counters[0] if counters else None, {}, {}
                row.mapping = tr("keypad of counter {counter}").format(counter=panel.counter)
            else:
                callers, evaluators = default_panel_map(panel.protocol, counters)
                panel.counter, panel.callers, panel.evaluators = None, callers, evaluators
                row.mapping = "  ".join([f"{tr('caller')} {a}→{c}" for a, c in sorted(callers.items())] +
                                        [f"{tr('rating')} {a}→{c}" for a, c in sorted(evaluators.items())])

    def save(self) -> None:
        if self.busy or not self.loaded:
            return
        a = self.assignment
        a.printer_kind, a.printer_device = self.printer_kind, self.printer_device or None
        a.scanner_kind, a.scanner_port = self.scanner_kind, self.scanner_port or None
        if self.show_counter:
            a.counters = list(self.served)
            a.rating_keys = {self.first_key + i: level for i, level in enumerate(LEVELS)}
        self.busy = True

        def saved(config) -> None:
            self.say(self.tr("Saved in {file}. Restart the kiosk to use it.").format(
                file=self.mode.session.ctx.config_path), ok=True)
            self.mode.need_restart("devices")

        self.mode.run(lambda s: s.save_assignment(a), on_done=saved, on_error=lambda exc: self.say(str(exc)))


# -- self-tests ----------------------------------------------------------------------------------
class TestRow(BoxLayout):
    name = StringProperty("")
    title = StringProperty("")
    state = StringProperty("")      # "" | running | waiting | pass | fail
    detail = StringProperty("")
    screen = ObjectProperty(None)


class TechTestsScreen(TechScreen):
    waiting_for = StringProperty("")   # scanner | panel: a test that waits for the technician

    def prepare(self, **kwargs) -> None:
        super().prepare()
        box = self.ids.tests
        if not box.children:
            caps = self.mode.capabilities
            names = [test for test, device in (("printer", "printer"), ("scanner", "scanner"), ("panel", "panels"))
                     if device in caps] + ["speech", "central", "disk", "clock"]
            self.rows = {}
            for name in names:
                row = TestRow(name=name, title=self.tr(CHECK_TEXT[name]), screen=self)
                self.rows[name] = row
                box.add_widget(row)
        self._stop_waiting()

    def run_all(self) -> None:
        for name in self.rows:
            if name not in ("scanner", "panel"):
                self.run_test(name)

    def run_test(self, name: str) -> None:
        row = self.rows[name]
        if row.state in ("running", "waiting"):
            if name == self.waiting_for:
                self._finish_waiting()   # tapped again: the technician is done pressing
            return
        if name == "scanner":
            self._wait(name, self.tr("Scan any QR code now."), SCAN_TEST_S)
            return
        if name == "panel":
            self.presses = []
            self._wait(name, self.tr("Press each button of the panel in turn. Tap here when done."), PANEL_TEST_S)
            return
        row.state, row.detail = "running", self.tr("Testing…")
        self.mode.run(lambda s: s.run_check(name), on_done=self._result)

    def _result(self, result) -> None:
        row = self.rows.get(result.name)
        if row is not None:
            row.state, row.detail = ("pass" if result.ok else "fail"), result.detail

    def _wait(self, name: str, text: str, seconds: float) -> None:
        self._stop_waiting()
        self.waiting_for = name
        row = self.rows[name]
        row.state, row.detail = "waiting", text
        self._wait_ev = Clock.schedule_once(lambda dt_: self._finish_waiting(), seconds)

    def _cancel_wait(self) -> None:
        ev = getattr(self, "_wait_ev", None)
        if ev is not None:
            ev.cancel()
        self._wait_ev = None

    def _stop_waiting(self) -> None:
        self._cancel_wait()
        if self.waiting_for and self.waiting_for in getattr(self, "rows", {}):
            row = self.rows[self.waiting_for]
            if row.state == "waiting":
                row.state, row.detail = "", ""
        self.waiting_for = ""

    def _finish_waiting(self) -> None:
        from provisioning.selftest import CheckResult
        name = self.waiting_for
        if name == "panel":
            keys = sorted({(p.address, p.key) for p in self.presses}, key=str)
            ok = bool(keys)
            result = CheckResult("panel", ok, self._press_text() if ok else self.tr("No press received."),
                                 {"presses": [list(k) for k in keys]})
        elif name == "scanner":
            result = CheckResult("scanner", False, self.tr("No code scanned."))
        else:
            return
        self._complete(result)

    def _complete(self, result) -> None:
        self._cancel_wait()
        self.waiting_for = ""
        self._result(result)
        self.mode.run(lambda s: s.record_check(result))

    def scanned(self, data: str) -> None:
        if self.waiting_for != "scanner":
            return
        from provisioning.selftest import CheckResult
        self._complete(CheckResult("scanner", True, self.tr("Read a code of {n} characters.").format(n=len(data)),
                                   {"length": len(data)}))

    def pressed(self, press) -> None:
        if self.waiting_for != "panel":
            return
        self.presses.append(press)
        self.rows["panel"].detail = self._press_text() + "\n" + self.tr("Tap here when done.")

    def _press_text(self) -> str:
        tr = self.tr
        return ", ".join(f"{tr('address')} {p.address} {tr('key')} {p.key}" if p.address is not None
                         else f"{tr('key')} {p.key}" for p in self.presses[-8:])

    def on_leave(self, *args) -> None:
        self._stop_waiting()


# -- diagnostics and factory reset ----------------------------------------------------------------
class TechDiagScreen(TechScreen):
    targets = ListProperty([])       # USB folders (str)
    confirm_reset = BooleanProperty(False)
    last_bundle = StringProperty("")

    def prepare(self, **kwargs) -> None:
        super().prepare()
        self.confirm_reset = False
        self.refresh()

    def refresh(self) -> None:
        self.mode.run(lambda s: [str(p) for p in s.usb_targets()], on_done=self._targets)

    def _targets(self, targets: list[str]) -> None:
        self.targets = targets
        box = self.ids.targets
        box.clear_widgets()
        from screens.widgets import BigButton
        for target in targets:
            b = BigButton(role="primary", size_hint_y=None, height=self.app.u * 110, font_size=self.app.u * 38,
                          text=self.tr("Save to the USB stick {name}").format(name=Path(target).name),
                          shorten=True)
            b.target = target
            b.bind(on_release=lambda btn: self.save_to(btn.target))
            box.add_widget(b)

    def save_to(self, folder: str) -> None:
        if self.busy:
            return
        self.busy = True

        def saved(path) -> None:
            self.last_bundle = str(path)
            self.say(self.tr("Saved {file}. It holds no password and no token.").format(file=Path(path).name), ok=True)

        self.mode.run(lambda s: s.save_diagnostics(Path(folder)), on_done=saved, on_error=lambda exc: self.say(
            self.tr("Could not save: {error}").format(error=exc)))

    def send(self) -> None:
        if self.busy:
            return
        self.busy = True
        self.mode.run(lambda s: s.send_diagnostics(),
                      on_done=lambda _: self.say(self.tr(MSG_QUEUED), ok=True),
                      on_error=lambda exc: self.say(self.tr("Could not send: {error}").format(error=exc)))

    def ask_reset(self) -> None:
        self.confirm_reset = True

    def cancel_reset(self) -> None:
        self.confirm_reset = False

    def do_reset(self) -> None:
        if self.busy:
            return
        self.busy = True
        self.say(self.tr("Erasing… the kiosk restarts as new."))
        self.mode.run(lambda s: s.reset_requested(), on_done=lambda _: self.mode.restart(reset=True),
                      on_error=lambda exc: self.mode.restart(reset=True))


SCREEN_CLASSES = {"tech_pin": TechPinScreen, "tech_menu": TechMenuScreen, "tech_enrol": TechEnrolScreen,
                  "tech_devices": TechDevicesScreen, "tech_tests": TechTestsScreen, "tech_diag": TechDiagScreen}

load_kv(__file__.replace("screens.py", "technician.py"))
