"""Headless scenarios of the counter and hall-display apps (same driver as the lobby's,
screens.scenario.ScenarioDriver: one step per frame, real touches, PNG of each view).

    python -m screens.cli demo --headless --scenario counter-rating --out /tmp/shots
    python -m screens.cli demo --headless --scenario display-calls --out /tmp/shots
"""
from __future__ import annotations

import shutil
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from kiosk.contract.config import Config


@dataclass
class RoleScenario:
    name: str
    description: str
    role: str
    steps: Callable
    counter: dict = field(default_factory=dict)    # [counter] settings for the counter role
    poll_s: float | None = None                      # hall display poll interval
    with_panel: bool = False                         # an ft12 bus on a socat pty pair
    timeout_s: float = 60.0

    def prepare(self, config: Config, data_dir: Path) -> Config:
        self.data_dir = Path(data_dir)
        self.pair = None
        counter = dict(self.counter)
        if self.with_panel:
            from devices.serial.ptys import SocatPair
            pty_dir = self.data_dir / "pty"
            pty_dir.mkdir(parents=True, exist_ok=True)
            self.pair = SocatPair(pty_dir)
            self.pair.plug()
            counter["panels"] = [{"name": "bus", "port": self.pair.host, "protocol": "ft12"}]
        data = config.model_dump(mode="json")
        data["device"].update(role=self.role, kiosk_mode=False)
        data["speech"]["mode"] = "file"   # no sound card needed; the WAVs are checked
        if counter:
            data["counter"] = {**data["counter"], **counter}
        from kiosk.contract.config import parse_config
        return parse_config(data, f"scenario {self.name}")

    def attach(self, app, out_dir: Path):
        from screens.scenario import ScenarioDriver
        driver = ScenarioDriver(app, self, out_dir)
        driver.attach()
        return driver

    def cleanup(self) -> None:
        if getattr(self, "pair", None) is not None:
            self.pair.unplug()


def _started(d) -> Iterator:
    yield d.until(lambda: d.app.first_frame_at is not None, 10, "the first frame")
    from screens.run import process_age_s
    d.app.runtime.timings["process_start_to_first_frame_s"] = round(
        process_age_s() - (time.monotonic() - d.app.first_frame_at), 3)


def _button(parent, text: str):
    """The button under `parent` showing `text` (keypad keys have no ids)."""
    for w in parent.walk():
        if getattr(w, "text", None) == text and hasattr(w, "trigger_action"):
            return w
    return None


def _db_rows(d, sql: str) -> list:
    with sqlite3.connect(d.app.runtime.data_dir / "kiosk.db") as db:
        return db.execute(sql).fetchall()


# -- counter ---------------------------------------------------------------------------------
def _counter_rating(d) -> Iterator:
    app = d.app
    yield from _started(d)
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
    yield d.on("thanks", 5)
    yield from d.screenshot("counter-thanks")
    d.facts["touch_rating"] = [list(r) for r in _db_rows(
        d, "select level, reason, device, raw_key, counter from rating")]
    yield d.on("serve", 10)
    d.step("back to the counter view")
    # a second citizen rates on the serial panel (ft12 evaluator 0x81 of counter 1, via a pty)
    from devices.serial import ft12
    from devices.serial.simulator import PanelSimulator
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
        sim.press(1, address=0x81)  # left-most button: Rất hài lòng
        yield d.on("thanks", 5)
        d.mark("panel_thanks_s")
        yield from d.screenshot("counter-thanks-panel")
    finally:
        sim.close()
    d.facts["ratings"] = [list(r) for r in _db_rows(
        d, "select level, reason, device, raw_key, counter from rating order by rated_at")]
    d.facts["rating_events"] = [r[0] for r in _db_rows(
        d, "select payload from outbox where type = 'rating.recorded' order by seq")]
    d.facts["events"] = [k for k, _ in app.events]


# -- hall display ---------------------------------------------------------------------------
def _display_calls(d) -> Iterator:
    app = d.app
    yield from _started(d)
    poller = app.poller
    from screens.role_demo import DemoCaller, seed_waiting_tickets
    central = app.demo_central
    seed_waiting_tickets(central, app.kiosk_config, app.runtime.data_dir, ["TNMT", "GTVT", "TPHT"], per_service=2)
    polls = poller.polls
    yield d.until(lambda: poller.polls >= polls + 2, 10, "the display to see the waiting tickets")
    yield from d.screenshot("display-waiting")
    caller = DemoCaller(central)
    d.facts["called"] = []
    for i, counter in enumerate((3, 7, 1)):
        t = caller.call(counter)
        d.facts["called"].append({"counter": counter, "number": t["display_number"] if t else None})
        yield d.until(lambda n=i + 1: len(app.calls) >= n, 10, f"call {i + 1} on the display")
    yield from d.screenshot("display-calls")
    d.facts["shown"] = {"latest": [app.latest_number, app.latest_counter, app.latest_text],
                        "history": [[r.number, r.counter] for r in app.rows if r.number]}
    d.facts["spoken"] = list(app.spoken)
    speaker = app.speaker
    yield d.until(lambda: speaker.spoken >= 3, 20, "the announcements to be written")
    wavs = sorted((app.runtime.data_dir / "speech").glob("*.wav"))
    d.facts["wavs"] = [w.name for w in wavs]
    if wavs:
        shutil.copyfile(wavs[0], d.out_dir / "announcement.wav")
    # the central goes away: the display says so and keeps the calls
    from kiosk.sync.client import CentralUnavailable

    def unreachable(since):
        raise CentralUnavailable("scenario: central unplugged")
    poller.fetch_calls = unreachable
    yield d.until(lambda: not app.online, 10, "the offline banner")
    yield from d.screenshot("display-offline")
    d.facts["offline_keeps"] = [app.latest_number] + [r.number for r in app.rows if r.number]


ROLE_SCENARIOS = {
    "counter-rating": RoleScenario(
        "counter-rating", "call next, keypad, transfer picker, complete, Không hài lòng with a reason on the screen, "
        "then a second citizen rates on an ft12 panel through a pty", "counter", _counter_rating,
        counter={"counters": [1]}, with_panel=True),
    "display-calls": RoleScenario(
        "display-calls", "three calls at the central appear newest first and are announced (WAV); then offline",
        "display", _display_calls, poll_s=0.3),
}


def _register_technician() -> None:
    import screens.scenario  # noqa: F401  (loads screens.technician.scenario in the order it needs)
    from screens.technician.scenario import register_roles
    register_roles(ROLE_SCENARIOS)


_register_technician()


def get_role_scenario(name: str) -> RoleScenario:
    try:
        return ROLE_SCENARIOS[name]
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}; expected one of {', '.join(ROLE_SCENARIOS)}") from None
