"""Device health: the latest state per device, kept in memory and fanned out to listeners."""
from __future__ import annotations

import threading
from typing import Callable

from kiosk.ports import HealthReport, HealthState


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
