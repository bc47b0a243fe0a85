"""The clock rules (docs/central.md, "Clocks"), shared by ingestion and the fleet view.

An event must have happened at most FUTURE after its batch was sent and at most MAX_AGE
before; a payload's own moments (issued_at, started_at, completed_at) lie within PAYLOAD_SPAN
of the event. A device whose measured skew (central receive time - batch sent_at) exceeds
LIMIT is flagged in the fleet view, and its tickets queue at their arrival.
"""
from __future__ import annotations

import datetime as dt

FUTURE = dt.timedelta(minutes=5)
MAX_AGE = dt.timedelta(days=30)
PAYLOAD_SPAN = dt.timedelta(days=1)
LIMIT = dt.timedelta(minutes=2)


def skew_ok(skew_ms: int | None) -> bool | None:
    return None if skew_ms is None else abs(skew_ms) <= LIMIT.total_seconds() * 1000
