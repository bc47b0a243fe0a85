"""Whether a service takes tickets now: opening windows, working days and quotas."""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from collections.abc import Sequence

from kiosk.contract.config import CalendarDay, Service, Window
from kiosk.contract.windows import current_window, day_off, windows_on


class Availability(str, enum.Enum):
    OPEN = "open"
    NOT_YET_OPEN = "not_yet_open"   # before the first window today
    BREAK = "break"                 # between two windows (lunch)
    CLOSED_TODAY = "closed_today"   # after the last window, or not a working day
    DAY_OFF = "day_off"             # a public holiday or closed day of the centre (config `calendar`)
    QUOTA_DAY = "quota_day"         # "Hết số": the daily quota is used up
    QUOTA_WINDOW = "quota_window"   # this window's quota is used up


@dataclass(frozen=True)
class ServiceState:
    availability: Availability
    window: Window | None = None        # the window open now
    next_window: Window | None = None   # the next window today, when closed for now
    day_off: CalendarDay | None = None  # the holiday or closed day, when DAY_OFF

    @property
    def is_open(self) -> bool:
        return self.availability is Availability.OPEN


def service_state(service: Service, calendar: Sequence[CalendarDay], local_now: dt.datetime, issued_today: int,
                  issued_in_window: int) -> ServiceState:
    closure = day_off(calendar, local_now.date())
    if closure is not None:
        return ServiceState(Availability.DAY_OFF, day_off=closure)
    windows = windows_on(service, calendar, local_now.date())
    if not windows:
        return ServiceState(Availability.CLOSED_TODAY)
    window = current_window(service, calendar, local_now)
    if window is None:
        t = local_now.time()
        later = sorted((w for w in windows if w.start_time > t), key=lambda w: w.start)
        if not later:
            return ServiceState(Availability.CLOSED_TODAY)
        earlier = any(w.end_time <= t for w in windows)
        return ServiceState(Availability.BREAK if earlier else Availability.NOT_YET_OPEN, next_window=later[0])
    if service.daily_quota is not None and issued_today >= service.daily_quota:
        return ServiceState(Availability.QUOTA_DAY, window)
    if window.quota is not None and issued_in_window >= window.quota:
        return ServiceState(Availability.QUOTA_WINDOW, window)
    return ServiceState(Availability.OPEN, window)
