"""What panel tests record from a supervisor: presses and health reports, with a wait."""
from __future__ import annotations

import threading

from kiosk.ports import HealthState, PanelPress


class Collector:
    def __init__(self) -> None:
        self.presses: list[PanelPress] = []
        self.health = []
        self.cond = threading.Condition()

    def __call__(self, press: PanelPress) -> None:
        with self.cond:
            self.presses.append(press)
            self.cond.notify_all()

    def on_health(self, report) -> None:
        with self.cond:
            self.health.append(report)
            self.cond.notify_all()

    def wait_for(self, predicate, timeout: float = 5.0) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: predicate(self), timeout)

    def keys(self) -> list[tuple[int | None, int]]:
        return [(p.address, p.key) for p in self.presses]

    def states(self) -> list[HealthState]:
        return [h.state for h in self.health]
