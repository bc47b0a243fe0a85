"""A service's opening windows (sessions) in local time: which one is open, and its bounds.
The kiosk's schedule and the central's window quotas use the same two functions."""
from __future__ import annotations

import datetime as dt

from kiosk.contract.config import Service, Window


def current_window(service: Service, local_now: dt.datetime) -> Window | None:
    t = local_now.time()
    for w in service.windows:
        if w.start_time <= t < w.end_time:
            return w
    return None


def window_bounds(window: Window, local_now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The window's start and end on local_now's day, as aware datetimes."""
    day = local_now.date()
    tz = local_now.tzinfo
    return (dt.datetime.combine(day, window.start_time, tz), dt.datetime.combine(day, window.end_time, tz))
