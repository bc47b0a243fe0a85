from __future__ import annotations

import datetime as dt
from typing import Callable
from zoneinfo import ZoneInfo

Clock = Callable[[], dt.datetime]  # returns an aware UTC datetime


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def local_day(moment: dt.datetime, tz: ZoneInfo) -> str:
    """The business day a moment belongs to: numbers restart at local midnight."""
    return moment.astimezone(tz).date().isoformat()
