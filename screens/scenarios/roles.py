"""Headless scenarios of the counter terminal and the hall display (the same driver as the
lobby's: one step per frame, real touches, a PNG of each view)."""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import requests

from devices.serial import ft12
from devices.serial.ptys import SocatPair
from devices.serial.simulator import PanelSimulator
from devices.scanner.framing import Scan
from kiosk.contract.config import Config, parse_config
from kiosk.contract.staff import card_payload, hash_pin
from kiosk.domain.clock import Clock
from kiosk.sync.client import CentralUnavailable
from provisioning.demo import centre_document
from screens.scenarios.demo import DemoCaller, seed_counter, seed_waiting_tickets
from screens.scenarios.driver import Scenario, ScenarioDriver


@dataclass
class RoleScenario(Scenario):
    counter: dict = field(default_factory=dict)    # [counter] settings for the counter role
    central_settings: dict = field(default_factory=dict)  # [central] overrides (e.g. a faster config poll)
    with_panel: bool = False                         # an ft12 bus on a socat pty pair
    sign_in: bool = False                            # the centre requires sign-in; officers' PINs = DEMO_PINS

    def prepare(self, config: Config, data_dir: Path) -> tuple[Config, Clock | None]:
        self.data_dir = Path(data_dir)
        self.pair: SocatPair | None = None
        self.central: Any = None
        counter = dict(self.counter)
        if self.with_panel:
            pty_dir = self.data_dir / "pty"
            pty_dir.mkdir(parents=True, exist_ok=True)
            self.pair = SocatPair(pty_dir)
            self.pair.plug()
            counter["panels"] = [{"name": "bus", "port": self.pair.host, "protocol": "ft12"}]
        data = config.model_dump(mode="json")
        data["device"].update(role=self.role, kiosk_mode=False)
        data["speech"]["mode"] = "file"   # no sound card needed; the WAVs are checked
        data["central"].update(self.central_settings)
        if counter:
            data["counter"] = {**data["counter"], **counter}
        if self.sign_in:
            data["centre"]["require_sign_in"] = True
            for o in data["officers"]:
                o["pin_hash"] = hash_pin(DEMO_PINS.get(o["code"], "1234"), iterations=1000)
        return parse_config(data, f"scenario {self.name}"), None

    def setup(self, parts: Any) -> None:
        self.central = parts.central
        if self.role == "counter" and parts.central is not None:
            seed_counter(parts.central, parts.config, parts.data_dir)  # someone to call

    def cleanup(self) -> None:
        pair = getattr(self, "pair", None)
        if pair is not None:
            pair.unplug()


def _button(parent, text: str):
    """The button under `parent` showing `text` (keypad keys have no ids)."""
    for w in parent.walk():
        if getattr(w, "text", None) == text and hasattr(w, "trigger_action"):
            return w
    return None


# -- counter ---------------------------------------------------------------------------------
DEMO_PINS = {"nv01": "1111", "nv02": "2222", "nv03": "3333"}


def _counter_signin(d) -> Iterator:
    """Sign-in required: the sign-in view first, a PIN, calling, another centre's staff card
    refused, sign-out, then a staff card of this centre."""
    app = d.app
    yield from d.first_frame()
    yield d.on("signin", 10)
    yield from d.screenshot("counter-signin")
    d.tap(_button(d.screen("signin"), "Nguyễn Thị Hồng"))
    for k in DEMO_PINS["nv01"]:
        d.tap(_button(d.screen("signin"), k))
    yield d.until(lambda: len(app.pin) == 4, what="the PIN typed")
    yield from d.screenshot("counter-signin-pin")
    d.tap(d.widget("signin", "sign_in"))
    yield d.on("serve", 10)
    yield d.until(lambda: app.signed_in and app.officer_code == "nv01", 10, "nv01 signed in")
    yield from d.screenshot("counter-signed-in")
    d.facts["signed_in"] = app.officer_code
    d.tap(d.widget("serve", "call_next"))
    yield d.until(lambda: app.number != "" and not app.busy, 10, "a number being served")
    cur = app.svc.current(app.counter_no)
    d.facts["called_by"] = cur.officer if cur else None
    app.on_scan(Scan(card_payload("000.00.99.H99", "nv02").encode(), "scanner"))
    yield d.until(lambda: app.message_error and not app.busy, 5, "the other centre's card refused")
    d.facts["other_card_message"] = app.message
    yield from d.screenshot("counter-card-refused")
    d.tap(d.widget("serve", "complete"))
    yield d.on("rate", 10)
    d.tap(d.widget("rate", "satisfied"))
    yield d.on("serve", 15)
    yield d.until(lambda: not app.busy, 20, "the counter's last action")
    d.tap(d.widget("serve", "sign"))
    yield d.on("signin", 20)
    app.on_scan(Scan(card_payload(app.kiosk_config.centre.code, "nv02").encode(), "scanner"))
    yield d.until(lambda: app.officer_code == "nv02" and app.sm.current == "serve", 20, "nv02 signed in by card")
    d.facts["card_signed_in"] = app.officer_code
    d.facts["sessions"] = [r[0] for r in d.db_rows(
        "select payload from outbox where type = 'officer.session' order by seq")]
    d.facts["rating_officers"] = [r[0] for r in d.db_rows("select officer from rating")]


def _counter_rating(d) -> Iterator:
    app = d.app
    yield from d.first_frame()
    yield d.until(lambda: any(k == "rating_requested" for k, _ in app.events) or app.state == "idle", 10,
                  "the counter state")
    yield from d.screenshot("counter-idle")
    # the keypad for offline calls: type 12, look, cancel
    d.tap(d.widget("serve", "keypad"))
    yield d.on("keypad")
    for k in ("1", "2"):
        d.tap(_button(d.screen("keypad"), k))
    yield d.until(lambda: app.typed == "12", what="12 typed")
    yield from d.screenshot("counter-keypad")
    d.tap(d.widget("keypad", "cancel"))
    yield d.on("serve")
    # call the next citizen
    d.mark("tap_call_next_s")
    d.tap(d.widget("serve", "call_next"))
    yield d.until(lambda: app.number != "" and not app.busy, 10, "a number being served")
    d.mark("serving_s")
    d.facts["served"] = [app.number]
    yield from d.screenshot("counter-serving")
    d.tap(d.widget("serve", "transfer"))
    yield d.on("transfer")
    yield from d.screenshot("counter-transfer")
    d.tap(d.widget("transfer", "cancel"))
    yield d.on("serve")
    # done: the citizen rates on the screen
    d.tap(d.widget("serve", "complete"))
    yield d.on("rate", 10)
    yield from d.screenshot("counter-rating")
    d.tap(d.widget("rate", "unsatisfied"))
    yield d.on("reason", 5)
    yield from d.screenshot("counter-reason")
    d.facts["reason_seconds_shown"] = app.reason_left
    d.tap(_button(d.screen("reason"), app.reason_label("long_wait", app.lang)))
    yield d.on("thanks", 15)
    yield from d.screenshot("counter-thanks")
    d.facts["touch_rating"] = [list(r) for r in d.db_rows(
        "select level, reason, device, raw_key, counter from rating")]
    yield d.on("serve", 10)
    d.step("back to the counter view")
    # a second citizen rates on the serial panel (ft12 evaluator 0x81 of counter 1, via a pty)
    scenario = d.scenario
    sim = PanelSimulator(scenario.pair.dev, "ft12", addresses=(0x01, 0x81))
    sim.open()
    try:
        d.tap(d.widget("serve", "call_next"))
        yield d.until(lambda: app.number != "" and not app.busy, 10, "the second number")
        d.facts["served"].append(app.number)
        d.tap(d.widget("serve", "complete"))
        yield d.on("rate", 10)
        yield d.until(lambda: any(f.func == ft12.FUNC_START_RATING and f.address == 0x81 for f in sim.received),
                      5, "the start-rating frame at evaluator 0x81")
        d.facts["panel_prompted"] = True
        d.mark("panel_press_s")
        sim.press(3, address=0x81)  # right-most button: Không hài lòng, committed at once ...
        yield d.on("reason", 15)
        d.mark("panel_reason_s")
        d.facts["panel_rating_before_reason"] = [list(r) for r in d.db_rows(
            "select level, reason, reason_state, device from rating where device != 'touch'")]
        yield from d.screenshot("counter-reason-panel")
        d.tap(_button(d.screen("reason"), app.reason_label("attitude", app.lang)))  # ... its reason after it
        yield d.on("thanks", 15)
        d.mark("panel_thanks_s")
        yield from d.screenshot("counter-thanks-panel")
    finally:
        sim.close()
    d.facts["ratings"] = [list(r) for r in d.db_rows(
        "select level, reason, device, raw_key, counter from rating order by rated_at")]
    d.facts["rating_events"] = [r[0] for r in d.db_rows(
        "select payload from outbox where type = 'rating.recorded' order by seq")]
    d.facts["reason_events"] = [r[0] for r in d.db_rows(
        "select payload from outbox where type = 'rating.reason' order by seq")]
    d.facts["events"] = [k for k, _ in app.events]
    d.facts["spoken"] = list(app.spoken)


def _counter_dossier(d) -> Iterator:
    """While serving, the officer scans the citizen's receipt QR (a portal link holding the code),
    a receipt of another agency is refused, a second code is typed; the rating names the first."""
    app = d.app
    yield from d.first_frame()
    yield d.until(lambda: app.state == "idle", 10, "the counter state")
    d.tap(d.widget("serve", "call_next"))
    yield d.until(lambda: app.number != "" and not app.busy, 10, "a number being served")
    centre = app.kiosk_config.centre.code
    first, second = f"{centre}-261123-0001", f"{centre}-261123-0002"
    d.mark("scan_s")
    app.on_scan(Scan(f"https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html?maHoSo={first}\r\n".encode(),
                     "scanner"))
    yield d.until(lambda: first in app.dossiers and not app.busy, 5, "the scanned dossier linked")
    d.mark("linked_s")
    app.on_scan(Scan(b"000.00.99.H99-261123-0001", "scanner"))
    yield d.until(lambda: app.message_error and not app.busy, 5, "another agency's receipt refused")
    d.facts["other_agency_message"] = app.message
    yield from d.screenshot("counter-dossier-scanned")
    d.tap(d.widget("serve", "keypad"))
    yield d.on("dossier")
    for ch in second:
        d.tap(_button(d.screen("dossier").ids.keyboard, ch))
    yield d.until(lambda: d.screen("dossier").ids.keyboard.text == second, what="the code typed")
    yield from d.screenshot("counter-dossier-typing")
    d.tap(d.widget("dossier", "dossier_add"))
    yield d.until(lambda: second in app.dossiers and not app.busy, 5, "the typed dossier linked")
    yield from d.screenshot("counter-dossier-linked")
    d.tap(d.widget("dossier", "dossier_back"))
    yield d.on("serve")
    yield from d.screenshot("counter-dossier-serving")
    d.facts["linked"] = app.dossiers.split("\n")
    d.tap(d.widget("serve", "complete"))
    yield d.on("rate", 10)
    d.tap(d.widget("rate", "satisfied"))
    yield d.on("thanks", 5)
    d.facts["linked_events"] = [r[0] for r in d.db_rows(
        "select payload from outbox where type = 'ticket.dossier_linked' order by seq")]
    d.facts["rating_dossier"] = [r[0] for r in d.db_rows("select dossier_code from rating")]


def _rating_terminal(d) -> Iterator:
    """The citizen's private rating terminal of counter 1: the counter (another device) calls and
    completes a ticket at the central; the terminal shows only the faces, says its question, asks
    the reason; the citizen prefers not to answer; the central accepts what the terminal sends."""
    app = d.app
    yield from d.first_frame()
    yield d.on("idle", 10)
    yield from d.screenshot("rating-idle")
    assert isinstance(d.scenario, RoleScenario)
    central = d.scenario.central
    seed_waiting_tickets(central, app.kiosk_config, app.runtime.data_dir, ["TPHT"], per_service=2)
    caller = DemoCaller(central, [1])
    t = caller.call(1)
    d.facts["called"] = t["display_number"] if t else None
    caller.client.complete(1)
    d.mark("served_s")
    yield d.on("rate", 15)
    d.mark("rate_shown_s")
    yield from d.screenshot("rating-faces")
    d.tap(d.widget("rate", "unsatisfied"))
    yield d.on("reason", 15)
    yield from d.screenshot("rating-reason")
    d.tap(d.screen("reason").ids["declined"])
    yield d.on("thanks", 15)
    yield from d.screenshot("rating-thanks")
    d.facts["ratings"] = [list(r) for r in d.db_rows("select ticket_id, level, reason, reason_state, device "
                                                     "from rating")]
    d.facts["spoken"] = list(app.spoken)
    ticket_id = t["ticket_id"] if t else None
    yield d.until(lambda: _central_rating(central, ticket_id) is not None, 20, "the rating at the central")
    d.facts["central_rating"] = _central_rating(central, ticket_id)


def _central_rating(central: Any, ticket_id: str | None) -> list | None:
    from sqlalchemy import select

    from central.ratings import Rating
    with central.db.transaction() as s:
        r = s.scalar(select(Rating).where(Rating.ticket_id == ticket_id))
        return None if r is None else [r.counter, r.level, r.officer]


# -- hall display ---------------------------------------------------------------------------
def _display_calls(d) -> Iterator:
    app = d.app
    yield from d.first_frame()
    poller = app.poller
    assert isinstance(d.scenario, RoleScenario)
    central = d.scenario.central
    seed_waiting_tickets(central, app.kiosk_config, app.runtime.data_dir, ["TNMT", "CT", "TPHT"], per_service=2)
    polls = poller.polls
    yield d.until(lambda: poller.streaming or poller.polls >= polls + 2, 10, "the display to follow the central")
    yield from d.screenshot("display-waiting")
    caller = DemoCaller(central, [c.number for c in app.kiosk_config.counters])
    d.facts["called"] = []
    for i, counter in enumerate((3, 8, 1)):
        t = caller.call(counter)
        d.facts["called"].append({"counter": counter, "number": t["display_number"] if t else None})
        yield d.until(lambda n=i + 1: len(app.calls) >= n, 10, f"call {i + 1} on the display")
    seen: list[bool] = []  # the panel blinks: whether it was lit when looked at is chance, so note it lit once

    def lit() -> bool:
        if app.highlight:
            seen.append(True)
        return bool(seen)
    yield d.until(lit, 5, "the new call flashing")
    yield from d.screenshot("display-calls")
    from kivy.core.window import Window
    d.facts["flash"] = {"highlight": bool(seen), "chimes": app.chimes, "window": list(Window.size),
                        "history_font_px": [w.font_size for w in app.rows[0].children]}
    yield d.until(lambda: not app.highlight and app._flash_event is None, 10, "the flash to end")
    d.facts["shown"] = {"latest": [app.latest_number, app.latest_counter, app.latest_text],
                        "history": [[r.number, r.counter] for r in app.rows if r.number]}
    d.facts["spoken"] = list(app.spoken)
    d.facts["pushed"] = poller.pushed
    speaker = app.speaker
    yield d.until(lambda: speaker.spoken >= 6, 30, "the announcements to be written (each twice)")
    wavs = sorted((app.runtime.data_dir / "speech").glob("*.wav"))
    d.facts["wavs"] = [w.name for w in wavs]
    if wavs:
        shutil.copyfile(wavs[0], d.out_dir / "announcement.wav")
    # the central goes away: the display says so and keeps the calls
    def unreachable(*_args):
        raise CentralUnavailable("scenario: central unplugged")
    poller.fetch_calls = poller.stream_calls = unreachable
    poller.interrupt()
    yield d.until(lambda: not app.online, 10, "the offline banner")
    yield from d.screenshot("display-offline")
    d.facts["offline_keeps"] = [app.latest_number] + [r.number for r in app.rows if r.number]


# -- a new centre configuration, applied without a restart ---------------------------------------
NEW_OFFICER = "Trần Thị Mới"
NEW_SERVICE = "Tư pháp (mới)"
NEW_REASON = "Không có chỗ để xe"  # counter-config: a reason the centre adds to its list


def _counter_config(d: ScenarioDriver) -> Iterator:
    """The central gets a new centre document (counter 1's officer renamed, a service renamed, its
    own list of reasons for Không hài lòng): the counter shows it at its next config poll, without
    a restart."""
    app = d.app
    yield from d.first_frame()
    d.facts["before"] = {"officer": app.officer_name, "services": _transfer_names(app),
                         "reasons": _reason_names(app)}
    assert isinstance(d.scenario, RoleScenario)
    central = d.scenario.central
    document = centre_document(app.kiosk_config)
    officer = next(c["officer"] for c in document["counters"] if c["number"] == app.counter_no)
    for o in document["officers"]:
        if o["code"] == officer:
            o["name"] = NEW_OFFICER
    for s in document["services"]:
        if s["code"] == "TPHT":
            s["name"] = NEW_SERVICE
    document["rating_reasons"] = [{"code": "long_wait", "name": "Chờ quá lâu", "order": 1},
                                  {"code": "no_parking", "name": NEW_REASON, "order": 2}]
    requests.put(f"{central.url}/api/v1/admin/centres", json=document, timeout=10,
                 headers={"Authorization": f"Bearer {central.admin_token}"}).raise_for_status()
    d.mark("config_changed_s")
    yield d.until(lambda: app.officer_name == NEW_OFFICER, 15, "the new officer on the screen")
    d.mark("config_shown_s")
    d.facts["after"] = {"officer": app.officer_name, "services": _transfer_names(app),
                        "reasons": _reason_names(app)}
    yield from d.screenshot("counter-new-config")


def _transfer_names(app: Any) -> list[str]:
    return sorted(b.text for b in app.screen("transfer").ids.services.children)


def _reason_names(app: Any) -> list[str]:
    """The reason screen's buttons, top to bottom (Kivy lists children last first)."""
    return [b.text for b in reversed(app.screen("reason").ids.reasons.children)]


SCENARIOS = {s.name: s for s in (
    RoleScenario(
        "counter-signin", "sign-in required: PIN sign-in, a call carries the officer, another centre's staff card "
        "refused, sign-out, sign-in by this centre's staff card", _counter_signin, role="counter",
        counter={"counters": [1]}, sign_in=True),
    RoleScenario(
        "counter-rating", "call next, keypad, transfer picker, complete, Không hài lòng with a reason on the screen, "
        "then a second citizen presses Không hài lòng on an ft12 panel through a pty (stored at once) and gives "
        "the reason on the screen", _counter_rating, role="counter",
        counter={"counters": [1]}, with_panel=True),
    RoleScenario(
        "counter-dossier", "while serving: a receipt QR scanned and a code typed are linked to the number, "
        "another agency's receipt refused; the rating names the dossier", _counter_dossier, role="counter",
        counter={"counters": [1]}),
    RoleScenario(
        "rating-terminal", "the citizen's rating terminal of counter 1: a ticket served at the central opens the "
        "faces; Không hài lòng, Không muốn trả lời; the central accepts the rating", _rating_terminal,
        role="rating", counter={"counters": [1]}, poll_s=0.3),
    RoleScenario(
        "counter-config", "a new centre configuration at the central (an officer and a service renamed, a new "
        "list of reasons) shows on the counter without a restart", _counter_config, role="counter", counter={"counters": [1]},
        central_settings={"config_poll_s": 1}),
    RoleScenario(
        "display-calls", "three calls at the central appear newest first and are announced (WAV); then offline",
        _display_calls, role="display", poll_s=0.3),
)}
