"""Headless scenarios: drive the real lobby app with simulated touches, one step per frame,
and save a PNG of every screen, the printed ticket and a scenario.json summary.

    python -m screens.scenario lobby-ticket --out /tmp/shots

Each scenario runs on a fixed "Monday morning" clock (moving with real time), so opening hours
hold at any hour of the day, and with short timeouts so the idle return is seen in seconds.
Touches are kivy.tests.common.UnitTestTouch at a widget's window position: they go through
the real window, hit-testing and buttons, like a finger.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import shutil
import sqlite3
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator
from zoneinfo import ZoneInfo

from kiosk.contract.config import SAMPLE_CONFIG, Config, RateLimit
from kiosk.domain.clock import Clock

log = logging.getLogger(__name__)

SCENARIO_TIMEOUT_S = 60.0


def monday_clock(timezone: str, hhmm: str) -> Clock:
    """A clock that starts at this week's Monday (local) at hh:mm and runs at real speed."""
    tz = ZoneInfo(timezone)
    today = dt.datetime.now(tz).date()
    monday = today - dt.timedelta(days=today.weekday())
    start = dt.datetime.combine(monday, dt.time.fromisoformat(hhmm), tz).astimezone(dt.timezone.utc)
    t0 = time.monotonic()
    return lambda: start + dt.timedelta(seconds=time.monotonic() - t0)


@dataclass
class Scenario:
    name: str
    description: str
    steps: Callable[["ScenarioDriver"], Iterator]
    local_time: str = "09:00"             # on Monday
    printer_kind: str = "preview"
    lobby: dict = field(default_factory=dict)      # LobbySettings overrides
    services: dict = field(default_factory=dict)   # service code -> Service overrides
    central: dict = field(default_factory=dict)    # CentralSettings overrides (e.g. an unreachable URL)
    embedded_central: bool = True  # the demo's central on loopback; False: a kiosk fresh from the box
    timeout_s: float = SCENARIO_TIMEOUT_S

    def cleanup(self) -> None:
        """After the app has stopped (a central or a pty the scenario started)."""

    def prepare(self, config: Config) -> tuple[Config, Clock]:
        lobby = config.lobby.model_copy(update={"idle_timeout_s": 5.0, "ticket_screen_s": 3.0, **self.lobby})
        services = [s.model_copy(update=self.services.get(s.code, {})) for s in config.services]
        config = config.model_copy(update={
            "lobby": lobby, "services": services,
            "device": config.device.model_copy(update={"kiosk_mode": False}),
            "printer": config.printer.model_copy(update={"kind": self.printer_kind}),
            "speech": config.speech.model_copy(update={"mode": "file"}),  # no sound card needed
            "central": config.central.model_copy(update=self.central),
        })
        return config, monday_clock(config.centre.timezone, self.local_time)


class StepFailed(Exception):
    pass


@dataclass
class Wait:
    condition: Callable[[], bool]
    timeout: float
    what: str
    settle: int = 0        # frames to let layout run after the condition holds
    started: float = 0.0


class ScenarioDriver:
    """Runs a scenario's steps inside the app's own event loop (one step per frame)."""

    def __init__(self, app, scenario: Scenario, out_dir: Path) -> None:
        self.app = app
        self.scenario = scenario
        self.out_dir = Path(out_dir)
        self.exit_code = 1
        self.steps: list[dict] = []
        self.facts: dict = {}
        self.marks: dict[str, float] = {}
        self._n = 0
        self._gen: Iterator | None = None
        self._wait: Wait | None = None
        self._ev = None
        self._t0 = 0.0

    # -- plumbing -----------------------------------------------------------------------------
    def attach(self) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for old in self.out_dir.glob("*.png"):
            old.unlink()
        self.app.bind(on_start=self._on_start)

    def _on_start(self, *args) -> None:
        from kivy.clock import Clock
        self._t0 = time.monotonic()
        self._gen = self.scenario.steps(self)
        self._ev = Clock.schedule_interval(self._tick, 0)

    def _tick(self, dt_: float) -> None:
        now = time.monotonic()
        try:
            if now - self._t0 > self.scenario.timeout_s:
                raise StepFailed(f"scenario took more than {self.scenario.timeout_s:.0f} s")
            if self._wait is not None:
                wait = self._wait
                if not wait.condition():
                    if now - wait.started > wait.timeout:
                        raise StepFailed(f"timed out after {wait.timeout:.1f} s waiting for {wait.what}"
                                         f" (screen: {self.app.sm.current})")
                    return
                if wait.settle > 0:
                    wait.settle -= 1
                    wait.condition = lambda: True
                    return
                self._wait = None
            command = next(self._gen)
            if isinstance(command, Wait):
                command.started = now
                self._wait = command
        except StopIteration:
            self._finish(None)
        except Exception as exc:
            self._finish(exc)

    def _finish(self, error: BaseException | None) -> None:
        self._ev.cancel()
        self.exit_code = 0 if error is None else 1
        summary = {
            "scenario": self.scenario.name,
            "description": self.scenario.description,
            "ok": error is None,
            "error": None if error is None else "".join(traceback.format_exception_only(type(error), error)).strip(),
            "window_size": list(self.app.root_window.size) if self.app.root_window else None,
            "clock_start_local": self.facts.pop("clock_start_local", None),
            "steps": self.steps,
            **self.facts,
            "timings": {
                **self.app.runtime.timings,
                **{f"t_{k}": round(v, 3) for k, v in self.marks.items()},
                **self.app.metrics,
                "scenario_s": round(time.monotonic() - self._t0, 3),
            },
        }
        if error is not None and not isinstance(error, StepFailed):
            summary["traceback"] = traceback.format_exception(type(error), error, error.__traceback__)
        (self.out_dir / "scenario.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2),
                                                    encoding="utf-8")
        if error is not None:
            log.error("scenario %s failed: %s", self.scenario.name, summary["error"])
            self.screenshot_now("failed")
        self.app.stop()

    # -- what steps use ------------------------------------------------------------------------
    def until(self, condition: Callable[[], bool], timeout: float = 5.0, what: str = "a condition",
              settle: int = 2) -> Wait:
        """Wait (frame by frame) for a condition, then `settle` frames for layout."""
        return Wait(condition, timeout, what, settle)

    def frames(self, n: int = 3) -> Wait:
        box = [n]

        def counted() -> bool:
            box[0] -= 1
            return box[0] < 0
        return Wait(counted, 10.0, f"{n} frames", 0)

    def on(self, screen: str, timeout: float = 5.0) -> Wait:
        return self.until(lambda: self.app.sm.current == screen, timeout, f"the {screen} screen")

    def screen(self, name: str):
        return self.app.screen(name)

    def widget(self, screen: str, widget_id: str):
        return self.screen(screen).ids[widget_id]

    def tap(self, widget) -> None:
        """A finger down and up on the widget's centre, through the window."""
        from kivy.tests.common import UnitTestTouch
        if widget is None:
            raise StepFailed("nothing to tap")
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()

    def tap_at(self, fx: float, fy: float) -> None:
        """Tap at a fraction of the window (0..1 from the bottom left)."""
        from kivy.core.window import Window
        from kivy.tests.common import UnitTestTouch
        touch = UnitTestTouch(fx * Window.width, fy * Window.height)
        touch.touch_down()
        touch.touch_up()

    def mark(self, name: str) -> None:
        self.marks[name] = time.monotonic() - self._t0

    def step(self, name: str, **extra) -> None:
        self.steps.append({"step": name, "screen": self.app.sm.current,
                           "t_s": round(time.monotonic() - self._t0, 3), **extra})

    def screenshot(self, name: str) -> Iterator:
        """Let layout settle for a few frames, then save NN-name.png of the whole window."""
        yield self.frames(3)
        self.screenshot_now(name)

    def screenshot_now(self, name: str) -> Path:
        self._n += 1
        path = self.out_dir / f"{self._n:02d}-{name}.png"
        self.app.root.export_to_png(str(path))
        self.step(f"screenshot {name}", file=path.name)
        return path

    def tickets_in_db(self) -> int:
        with sqlite3.connect(self.app.runtime.data_dir / "kiosk.db") as db:
            return db.execute("select count(*) from ticket").fetchone()[0]

    def copy_printed_ticket(self, name: str = "ticket.png") -> Path | None:
        result = self.screen("ticket").print_result
        source = Path(result.message) if result is not None and result.ok else None
        if source is None or not source.is_file():
            printed = sorted((self.app.runtime.data_dir / "printed").glob("*.png"), key=lambda p: p.stat().st_mtime)
            source = printed[-1] if printed else None
        if source is None:
            return None
        target = self.out_dir / name
        shutil.copyfile(source, target)
        return target

    def record_ticket(self) -> None:
        screen = self.screen("ticket")
        t = screen.lobby_ticket.ticket
        self.facts["ticket"] = {
            "number": t.display_number, "service": t.service_code, "priority_group": t.priority_group,
            "people_ahead": t.people_ahead, "estimated_wait_minutes": t.estimated_wait_minutes,
            "qr_payload": t.qr_payload, "repeated": t.repeated,
            "print_state": screen.print_state,
            "print_message": screen.print_result.message if screen.print_result else None,
            "screen_stays_s": screen.idle_timeout(),
        }

    def started(self) -> Iterator:
        """The first frame is drawn and the service overview is loaded."""
        yield self.until(lambda: self.app.first_frame_at is not None, 10, "the first frame")
        first = self.app.first_frame_at
        from screens.run import process_age_s
        self.app.runtime.timings["process_start_to_first_frame_s"] = round(
            process_age_s() - (time.monotonic() - first), 3)
        self.facts["clock_start_local"] = self.app.now_local().isoformat(timespec="seconds")
        yield self.until(lambda: bool(self.app.views), 5, "the service overview")


# -- scenarios ---------------------------------------------------------------------------------
def _lobby_ticket(d: ScenarioDriver) -> Iterator:
    app = d.app
    yield from d.started()
    yield from d.screenshot("attract")
    d.tap(d.widget("attract", "lang_en"))
    yield d.until(lambda: app.lang == "en", what="English")
    yield from d.screenshot("attract-en")
    d.tap(d.widget("attract", "lang_vi"))
    yield d.until(lambda: app.lang == "vi", what="Vietnamese again")
    d.tap_at(0.5, 0.45)  # anywhere on the attract screen
    yield d.on("services")
    services = d.screen("services")
    yield from d.screenshot("services")
    d.tap(d.widget("services", "next_page"))
    yield d.until(lambda: services.page == 1, what="page 2")
    yield from d.screenshot("services-page2")
    d.tap(d.widget("services", "prev_page"))
    yield d.until(lambda: services.page == 0, what="page 1 again")
    d.tap(services.tile_for("TPHT"))
    yield d.on("priority")
    yield from d.screenshot("priority")
    button = d.screen("priority").group_buttons["elderly"]
    d.mark("tap_priority_s")
    d.tap(button)
    d.tap(button)  # a double tap: both touches in the same frame
    yield d.on("ticket")
    d.mark("ticket_screen_s")
    ticket = d.screen("ticket")
    d.step("ticket shown", state=ticket.print_state)
    yield d.until(lambda: ticket.print_state != "printing", 15, "printing to finish")
    d.mark("printed_s")
    d.record_ticket()
    yield from d.screenshot("ticket")
    copied = d.copy_printed_ticket()
    d.step("printed ticket copied", file=copied.name if copied else None)
    d.facts["tickets_in_db"] = d.tickets_in_db()
    yield d.on("attract", timeout=app.kiosk_config.lobby.ticket_screen_s + 5)
    d.mark("back_to_attract_s")
    yield from d.screenshot("attract-after-timeout")


def _lobby_closed(d: ScenarioDriver) -> Iterator:
    """11:15 on Monday: Tài chính - Thuế (mornings until 11:00) is closed, Cư trú has a daily
    quota of 1; a second ticket within the hour is refused by the kiosk's rate limit."""
    app = d.app
    yield from d.started()
    services = d.screen("services")
    d.tap_at(0.5, 0.45)
    yield d.on("services")
    d.tap(d.widget("services", "next_page"))
    yield d.until(lambda: services.page == 1, what="page 2")
    # One ticket for Cư trú uses up its quota of one.
    d.tap(services.tile_for("CT"))
    yield d.on("priority")
    d.tap(d.widget("priority", "regular"))
    yield d.on("ticket")
    yield d.until(lambda: d.screen("ticket").print_state != "printing", 15, "printing to finish")
    d.record_ticket()
    d.tap(d.widget("ticket", "done"))
    yield d.on("attract")
    d.tap_at(0.5, 0.45)
    yield d.on("services")
    d.tap(d.widget("services", "next_page"))
    yield d.until(lambda: services.page == 1, what="page 2")
    yield d.until(lambda: not services.view_for("CT").state.is_open, what="Cư trú out of numbers")
    yield from d.screenshot("services-closed")
    d.facts["closed_tiles"] = {t.code: t.detail for t in services.tiles if t.used and not t.available}
    d.tap(services.tile_for("TC"))
    yield d.on("message")
    message = d.screen("message")
    d.facts["closed_message"] = {"kind": message.kind, "reason": message.reason, "title": message.title,
                                 "message": message.message, "detail": message.detail}
    yield from d.screenshot("closed-reason")
    d.tap(d.widget("message", "back"))
    yield d.on("services")
    d.tap(services.tile_for("YT"))
    yield d.on("priority")
    d.tap(d.widget("priority", "regular"))
    yield d.on("message")
    d.facts["refusal"] = {"kind": message.kind, "reason": message.reason, "message": message.message}
    yield from d.screenshot("refused")
    d.facts["tickets_in_db"] = d.tickets_in_db()
    d.mark("refused_s")
    yield d.on("attract", timeout=app.kiosk_config.lobby.idle_timeout_s + 5)
    d.mark("idle_return_s")
    d.step("back to attract by the idle timeout")


def _lobby_printfail(d: ScenarioDriver) -> Iterator:
    """No printer answers: the number and QR stay on screen, longer, with advice."""
    yield from d.started()
    d.tap_at(0.5, 0.45)
    yield d.on("services")
    d.tap(d.screen("services").tile_for("DD"))
    yield d.on("priority")
    d.tap(d.widget("priority", "regular"))
    yield d.on("ticket")
    ticket = d.screen("ticket")
    yield d.until(lambda: ticket.print_state != "printing", 15, "printing to finish")
    d.record_ticket()
    yield from d.screenshot("ticket-print-failed")
    d.facts["tickets_in_db"] = d.tickets_in_db()
    d.tap(d.widget("ticket", "done"))
    yield d.on("attract")
    d.step("back to attract by Done")


def _lobby_offline(d: ScenarioDriver) -> Iterator:
    """The central cannot be reached: the kiosk says so discreetly and still issues numbers,
    from its own fallback block."""
    app = d.app
    yield from d.started()
    yield d.until(lambda: not app.online, 20, "the offline indicator")
    d.facts["online"] = app.online
    yield from d.screenshot("attract-offline")
    d.tap_at(0.5, 0.45)
    yield d.on("services")
    d.tap(d.screen("services").tile_for("TPHT"))
    yield d.on("priority")
    d.tap(d.widget("priority", "regular"))
    yield d.on("ticket")
    yield d.until(lambda: d.screen("ticket").print_state != "printing", 15, "printing to finish")
    d.record_ticket()
    yield from d.screenshot("ticket-offline")
    d.facts["tickets_in_db"] = d.tickets_in_db()


SCENARIOS = {
    "lobby-ticket": Scenario("lobby-ticket", "attract, language switch, two service pages, a priority ticket "
                             "with a double tap, printing, back by the ticket timeout", _lobby_ticket),
    "lobby-closed": Scenario("lobby-closed", "a closed service explains itself, a quota reached, a refused "
                             "ticket, back by the idle timeout", _lobby_closed, local_time="11:15",
                             lobby={"rate_limit": RateLimit(tickets=1, per_seconds=3600)},
                             services={"CT": {"daily_quota": 1}}),
    "lobby-offline": Scenario("lobby-offline", "the central is unreachable: an offline indicator, and a ticket "
                              "from the kiosk's own fallback block", _lobby_offline,
                              central={"url": "http://127.0.0.1:9", "token": "unused", "device_index": 1,
                                       "timeout_s": 1}),
    "lobby-printfail": Scenario("lobby-printfail", "the printer fails: the ticket stays on screen",
                                _lobby_printfail, printer_kind="none"),
}


# The dossier look-up scenarios (issue 5) live with their screens (screens/lookup_scenario.py).
if __name__ == "__main__":  # run as a script: the module screens.scenario holds the registered set
    import importlib

    SCENARIOS.update(importlib.import_module("screens.scenario").SCENARIOS)
else:
    from screens.lookup_scenario import register as _register_lookup
    from screens.technician.scenario import register as _register_technician

    _register_lookup(SCENARIOS)
    _register_technician(SCENARIOS)


def get_scenario(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}; expected one of {', '.join(SCENARIOS)}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m screens.scenario", description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNGs and scenario.json")
    parser.add_argument("--data", type=Path, help="kiosk data folder (default: OUT/data)")
    parser.add_argument("--config", type=Path, default=SAMPLE_CONFIG)
    parser.add_argument("--size", default="1080x1920", help="window size, e.g. 1080x1920 or 1920x1080")
    parser.add_argument("--window", action="store_true", help="show a window instead of running headless")
    args = parser.parse_args(argv)
    from screens.cli import _fail
    from screens.kivy_setup import parse_size
    from screens.run import run_lobby
    try:
        return run_lobby(args.config, args.data or args.out / "data", demo=True, headless_scenario=args.scenario,
                         out_dir=args.out, size=parse_size(args.size), headless=not args.window)
    except Exception as exc:
        return _fail(exc)


if __name__ == "__main__":
    sys.exit(main())
