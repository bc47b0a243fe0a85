"""A service's opening days and windows (sessions) in local time: whether it works on a day, which
window is open, and its bounds. The kiosk's schedule, its lease top-up and the central's leases
and window quotas use these same functions, so both sides agree on holidays and per-weekday hours.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from kiosk.contract.config import CalendarDay, Service, Window

DEFAULT_HOURS_OF = 1  # a one-off working day without `hours_of` keeps Monday's hours


def day_off(calendar: Sequence[CalendarDay], day: dt.date) -> CalendarDay | None:
    """The public holiday or closed day `day` is (for the whole centre), if any."""
    return next((d for d in calendar if d.date == day and d.kind != "working"), None)


def hours_weekday(calendar: Sequence[CalendarDay], day: dt.date) -> int:
    """The ISO weekday whose hours apply on `day`: its own, or for a one-off working day (a
    compensating Saturday) the weekday it works as."""
    extra = next((d for d in calendar if d.date == day and d.kind == "working"), None)
    if extra is not None:
        return extra.hours_of or DEFAULT_HOURS_OF
    return day.isoweekday()


def works_on(service: Service, calendar: Sequence[CalendarDay], day: dt.date) -> bool:
    """Whether the service takes numbers at all on a local day."""
    return day_off(calendar, day) is None and hours_weekday(calendar, day) in service.weekdays


def windows_on(service: Service, calendar: Sequence[CalendarDay], day: dt.date) -> list[Window]:
    """The service's windows on a local day: none on a day off or a weekday it does not open,
    else that weekday's own hours when given, else its usual windows."""
    if not works_on(service, calendar, day):
        return []
    return service.hours.get(hours_weekday(calendar, day), service.windows)


def current_window(service: Service, calendar: Sequence[CalendarDay], local_now: dt.datetime) -> Window | None:
    t = local_now.time()
    for w in windows_on(service, calendar, local_now.date()):
        if w.start_time <= t < w.end_time:
            return w
    return None


def window_bounds(window: Window, local_now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The window's start and end on local_now's day, as aware datetimes."""
    day = local_now.date()
    tz = local_now.tzinfo
    return (dt.datetime.combine(day, window.start_time, tz), dt.datetime.combine(day, window.end_time, tz))


def has_window_quotas(service: Service) -> bool:
    """Whether any window of the service (usual or per weekday) has its own quota."""
    return any(w.quota is not None for w in service.windows) or any(
        w.quota is not None for windows in service.hours.values() for w in windows)
