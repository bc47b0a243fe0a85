"""The scenario driver: runs a scenario's steps inside the app's own event loop (one step per
frame), with simulated touches, and saves a PNG of every screen and a scenario.json summary.

Touches are screens.scenarios.touch.Finger at a widget's window position: they go through the
real window, hit-testing and buttons, like a finger. Kivy is imported inside the functions that
touch it: this package is imported by the command line before Kivy is configured.
"""
from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from kiosk.contract.config import Config
from kiosk.domain.clock import Clock
from screens.startup import process_age_s

log = logging.getLogger(__name__)

SCENARIO_TIMEOUT_S = 60.0


@dataclass
class Scenario:
    """A headless scenario: the launcher's harness (screens.launch.Harness)."""
    name: str
    description: str
    steps: Callable[["ScenarioDriver"], Iterator]
    role: str = "lobby"
    timeout_s: float = SCENARIO_TIMEOUT_S
    embedded_central: bool = True  # the demo's central on loopback; False: a device fresh from the box
    notify_channel: str | None = None  # "zalo" | "sms": the demo's central has a gateway simulator
    poll_s: float | None = None    # the hall display's poll interval

    def prepare(self, config: Config, data_dir: Path) -> tuple[Config, Clock | None]:
        return config, None

    def setup(self, parts: Any) -> None:
        """Once the core is built, before the app (screens.launch.Parts)."""

    def attach(self, app: Any, out_dir: Path) -> "ScenarioDriver":
        driver = ScenarioDriver(app, self, out_dir)
        driver.attach()
        return driver

    def cleanup(self) -> None:
        """After the app has stopped (a central or a pty the scenario started)."""

    def after_screenshot(self, driver: "ScenarioDriver", name: str) -> None:
        """Checks on what a screenshot shows (the lobby's accessibility audit)."""

    def before_summary(self, driver: "ScenarioDriver") -> None:
        """Last facts for scenario.json, while the app still runs (the lobby's WAVs)."""


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
        self._ev: Any = None  # Kivy ClockEvent
        self._t0 = 0.0

    # -- plumbing -----------------------------------------------------------------------------
    def attach(self) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for old in self.out_dir.glob("*.png"):
            old.unlink()
        self.app.bind(on_start=self._on_start)

    def _on_start(self, *args) -> None:
        from kivy.clock import Clock  # Kivy: imported once the launcher has configured it
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
            assert self._gen is not None, "attach() starts the steps"
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
        try:
            self.scenario.before_summary(self)
        except Exception as exc:  # noqa: BLE001 - the summary is still written, with the reason
            self.facts["before_summary_error"] = repr(exc)
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

    def on(self, screen: str, timeout: float = 10.0) -> Wait:
        return self.until(lambda: self.app.sm.current == screen, timeout, f"the {screen} screen")

    def screen(self, name: str):
        return self.app.screen(name)

    def widget(self, screen: str, widget_id: str):
        return self.screen(screen).ids[widget_id]

    def tap(self, widget) -> None:
        """A finger down and up on the widget's centre, through the window."""
        from screens.scenarios.touch import Finger  # Kivy: once configured
        if widget is None:
            raise StepFailed("nothing to tap")
        self.answer_more_time(widget)
        x, y = widget.to_window(*widget.center)
        touch = Finger(x, y)
        touch.touch_down()
        touch.touch_up()

    def answer_more_time(self, target: Any = None) -> None:
        """The lobby's "more time?" question is up although the scenario was about to tap
        something else: the scenario's own steps (a screenshot, the audit) outlasted the screen's
        idle timeout on a loaded machine. Answer it like a citizen ("Có, tôi cần thêm thời
        gian") so the tap lands where it was meant; counted in the facts (more_time_answered)."""
        from screens.scenarios.touch import Finger  # Kivy: once configured
        more = getattr(self.app, "more_time", None)
        if more is None or not more.shown or (target is not None and _is_inside(target, more)):
            return
        x, y = more.ids.more.to_window(*more.ids.more.center)
        touch = Finger(x, y)
        touch.touch_down()
        touch.touch_up()
        self.facts["more_time_answered"] = self.facts.get("more_time_answered", 0) + 1
        self.step("more time answered before a tap")

    def tap_at(self, fx: float, fy: float) -> None:
        """Tap at a fraction of the window (0..1 from the bottom left)."""
        from kivy.core.window import Window  # Kivy: imported once the launcher has configured it
        from screens.scenarios.touch import Finger  # Kivy: once configured
        self.answer_more_time()
        touch = Finger(fx * Window.width, fy * Window.height)
        touch.touch_down()
        touch.touch_up()

    def mark(self, name: str, at: float | None = None) -> None:
        """A named moment: now, or `at` (a time.monotonic() the app recorded itself, which a slow
        frame rate does not delay)."""
        self.marks[name] = (time.monotonic() if at is None else at) - self._t0

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
        self.scenario.after_screenshot(self, name)
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

    def first_frame(self) -> Iterator:
        """The first frame is drawn (its time since the process started is recorded)."""
        yield self.until(lambda: self.app.first_frame_at is not None, 10, "the first frame")
        self.app.runtime.timings["process_start_to_first_frame_s"] = round(
            process_age_s() - (time.monotonic() - self.app.first_frame_at), 3)

    def started(self) -> Iterator:
        """A lobby kiosk: the first frame is drawn and the service overview is loaded."""
        yield from self.first_frame()
        self.facts["clock_start_local"] = self.app.now_local().isoformat(timespec="seconds")
        yield self.until(lambda: bool(self.app.views), 5, "the service overview")

    def db_rows(self, sql: str) -> list:
        with sqlite3.connect(self.app.runtime.data_dir / "kiosk.db") as db:
            return db.execute(sql).fetchall()


def _is_inside(widget: Any, ancestor: Any) -> bool:
    """The widget is the ancestor or drawn inside it (the window's parent is itself)."""
    ancestor = getattr(ancestor, "__self__", ancestor)  # kv ids hold weak proxies: the widget itself
    widget = getattr(widget, "__self__", widget)
    seen = 0
    while widget is not None and seen < 200:
        if widget is ancestor:
            return True
        if widget.parent is widget:
            return False
        widget, seen = widget.parent, seen + 1
    return False
