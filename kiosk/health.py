"""Device health: the latest state per device, kept in memory and fanned out to listeners
(HealthBoard), and the one way a part reports its own health to a sink (HealthReporter)."""
from __future__ import annotations

import logging
import threading
from typing import Callable, Literal

from kiosk.ports import HealthReport, HealthSink, HealthState

log = logging.getLogger(__name__)

Repeats = Literal["send", "drop", "drop_same_state"]


class HealthReporter:
    """Reports one device's health to a sink (a HealthBoard.report, a test's list.append, or
    None): `reporter(state, detail)`.

    * `repeats`: "drop" skips a report equal to the last one sent (state and detail),
      "drop_same_state" skips any report in the state last sent (transitions only: a port that
      stays down would otherwise report every back-off), "send" sends every one (for a device
      name that other parts report too, whose last state this reporter cannot know).
    * `max_detail` caps the detail (short, technician-facing text).
    * A sink that raises is logged, never raised: a broken listener must not stop the device.
    * `logger`: also log each report sent, at INFO.
    """

    def __init__(self, device: str, sink: HealthSink | None, *, repeats: Repeats = "drop",
                 max_detail: int | None = 200, logger: logging.Logger | None = None) -> None:
        self.device = device
        self.sink = sink
        self.repeats = repeats
        self.max_detail = max_detail
        self.logger = logger
        self.last: HealthReport | None = None
        self._lock = threading.Lock()

    def __call__(self, state: HealthState, detail: str = "") -> bool:
        """True when the report was sent (or would have been, with no sink)."""
        if self.max_detail is not None:
            detail = detail[:self.max_detail]
        report = HealthReport(self.device, state, detail)
        with self._lock:
            last = self.last
            if last is not None and ((self.repeats == "drop" and last == report)
                                     or (self.repeats == "drop_same_state" and last.state == state)):
                return False
            self.last = report
        if self.logger is not None:
            self.logger.info("%s health: %s %s", self.device, state.value, detail)
        if self.sink is not None:
            try:
                self.sink(report)
            except Exception:
                log.exception("%s: health listener failed", self.device)
        return True


class HealthBoard:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: dict[str, HealthReport] = {}
        self._listeners: list[Callable[[HealthReport], None]] = []

    def subscribe(self, listener: Callable[[HealthReport], None]) -> None:
        self._listeners.append(listener)

    def report(self, report: HealthReport) -> None:
        with self._lock:
            previous = self._latest.get(report.device)
            self._latest[report.device] = report
        # Only changes are news; a device repeating "ok" every second is not.
        if previous is None or previous.state != report.state or previous.detail != report.detail:
            for listener in list(self._listeners):
                listener(report)

    def snapshot(self) -> dict[str, HealthReport]:
        with self._lock:
            return dict(self._latest)

    def worst(self) -> HealthState:
        order = [HealthState.OK, HealthState.UNKNOWN, HealthState.DEGRADED, HealthState.FAILED]
        states = [r.state for r in self.snapshot().values()] or [HealthState.OK]
        return max(states, key=order.index)
