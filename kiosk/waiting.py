"""People ahead and waiting estimates on the lobby kiosk.

The central's queue is the truth: while its summary (GET /api/v1/queue/summary, fetched by the
sync thread into a QueueBoard) is fresh, the kiosk shows it, adding only its own tickets the
central cannot have counted yet (issued after the summary was fetched). Without a fresh summary
(offline, or a kiosk without a central) the kiosk estimates on its own and says so ("about"):
it starts from the last summary of the day if any, adds its own tickets since, and assumes the
counters kept serving at their average pace (a fluid queue), since its own tickets never leave
"waiting" on the kiosk.
"""
from __future__ import annotations

import datetime as dt
import math
import threading
from dataclasses import dataclass
from typing import Sequence

from kiosk.contract.queue import QueueSummary

REFRESH_S = 5.0   # the sync thread fetches a new summary when the last one is this old
FRESH_S = 60.0    # older than this, the summary is no longer the truth: the kiosk estimates


@dataclass(frozen=True)
class Snapshot:
    summary: QueueSummary
    fetched_at: dt.datetime  # the kiosk's clock when it arrived


class QueueBoard:
    """The latest queue summary from the central; written by the sync thread, read by the desk."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None

    def update(self, summary: QueueSummary, fetched_at: dt.datetime) -> None:
        with self._lock:
            self._snapshot = Snapshot(summary, fetched_at)

    def latest(self, day: str) -> Snapshot | None:
        """The last summary of that (local) day, however old."""
        with self._lock:
            snap = self._snapshot
        return snap if snap is not None and snap.summary.day == day else None

    def fresh(self, day: str, now: dt.datetime) -> Snapshot | None:
        snap = self.latest(day)
        if snap is None or not 0 <= (now - snap.fetched_at).total_seconds() <= FRESH_S:
            return None
        return snap

    def due(self, now: dt.datetime) -> bool:
        with self._lock:
            snap = self._snapshot
        return snap is None or not 0 <= (now - snap.fetched_at).total_seconds() < REFRESH_S


@dataclass(frozen=True)
class Waiting:
    ahead: int
    minutes: int
    approximate: bool  # the kiosk's own estimate, not the central's queue


def fluid_length(base: int, start: dt.datetime, arrivals: Sequence[dt.datetime], end: dt.datetime,
                 per_minute: float) -> int:
    """People still waiting at `end`: `base` waited at `start`, then one joined at each arrival
    (sorted, after start), and the counters served `per_minute` people a minute while anyone
    waited. Rounded up: someone half served still waits."""
    length, at = float(base), start
    for moment in list(arrivals) + [end]:
        elapsed = max(0.0, (moment - at).total_seconds() / 60)
        length = max(0.0, length - elapsed * per_minute)
        if moment is not end:
            length += 1
        at = max(at, moment)
    return math.ceil(length - 1e-9)
