"""Number leases: disjoint blocks of ticket numbers per (centre, service, day).

The top of each service's number space is reserved for offline fallback blocks, one per
lobby device index (see kiosk.contract.numbering); leases never reach into it. Daily and window
quotas are enforced here, centre-wide: the central never leases past a quota, counting the
numbers already leased and the fallback numbers that kiosks issued offline and have synced.
A request carries an idempotency key: sent again, it gets the same lease.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter as Tally
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import ForeignKey, Index, String, Table, bindparam, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from central.centres import CentreRow, doc_of
from central.db import Base, utc_now
from central.devices import Device, lobby_count
from central.tickets import Applied, Ticket
from kiosk.contract.config import CalendarDay, Service, Window
from kiosk.contract.leases import LeaseRefusalReason, LeaseRequest
from kiosk.contract.numbering import device_day_cap, lease_grant, lease_limit
from kiosk.contract.windows import current_window, day_off, has_window_quotas, window_bounds


class LeaseCursor(Base):
    """Next number to lease per (centre, service, day); moved under the centre's row lock."""
    __tablename__ = "lease_cursors"

    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), primary_key=True)
    service_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    next_number: Mapped[int]


class Lease(Base):
    __tablename__ = "leases"
    __table_args__ = (Index(None, "device_id", "service_code", "day"),
                      Index(None, "device_id", "request_id", unique=True),
                      Index(None, "centre_id", "service_code", "day"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    device_id: Mapped[str] = mapped_column(String(36))
    request_id: Mapped[str | None] = mapped_column(String(64))  # the device's idempotency key
    service_code: Mapped[str] = mapped_column(String(16))
    day: Mapped[str] = mapped_column(String(10))
    window: Mapped[str | None] = mapped_column(String(5))  # HH:MM start of the window whose quota it counts against
    first: Mapped[int]
    last: Mapped[int]
    created_at: Mapped[dt.datetime]
    used: Mapped[int] = mapped_column(default=0)  # ticket.issued events seen with a number in it


class LeaseError(Exception):
    """status: the HTTP status; reason: a LeaseRefusalReason for a 409, else None."""

    def __init__(self, status: int, message: str, reason: LeaseRefusalReason | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


def _quota_window(service: Service, calendar: list[CalendarDay], day: str, now: dt.datetime,
                  tz: ZoneInfo) -> Window | None:
    """The window a lease of a service with window quotas counts against: the one open now."""
    local = now.astimezone(tz)
    if local.date().isoformat() != day:
        raise LeaseError(409, f"service {service.code} has session quotas: numbers for {day} are leased only "
                              "while one of its sessions is open", "window_closed")
    window = current_window(service, calendar, local)
    if window is None:
        raise LeaseError(409, f"no session of service {service.code} is open now: nothing to lease",
                         "window_closed")
    return window


def _used(session: Session, centre_id: int, service: Service, day: str, limit: int,
          window: tuple[str, dt.datetime, dt.datetime] | None) -> int:
    """Numbers that count against a quota: those leased, plus the fallback numbers issued
    offline that have synced (only those: numbers from leases are already counted)."""
    leased = select(func.coalesce(func.sum(Lease.last - Lease.first + 1), 0)).where(
        Lease.centre_id == centre_id, Lease.service_code == service.code, Lease.day == day)
    fallback = select(func.count()).select_from(Ticket).where(
        Ticket.centre_id == centre_id, Ticket.issued_service_code == service.code, Ticket.day == day,
        Ticket.number > limit)
    if window is not None:
        start, begin, end = window
        leased = leased.where(Lease.window == start)
        fallback = fallback.where(Ticket.issued_at >= begin, Ticket.issued_at < end)
    return int(session.scalar(leased) or 0) + int(session.scalar(fallback) or 0)


def allocate(session: Session, device: Device, request: LeaseRequest, now: dt.datetime | None = None) -> Lease:
    """Grants up to request.count numbers (fewer near the end of the space, a quota or the
    device's share); the same request_id again answers the lease it got the first time."""
    now = now or utc_now()
    # One lease at a time per centre: quotas and the cursor are read and moved together.
    centre = session.scalar(select(CentreRow).where(CentreRow.id == device.centre_id).with_for_update())
    assert centre is not None  # devices.centre_id is a foreign key
    again = session.scalar(select(Lease).where(Lease.device_id == device.id, Lease.request_id == request.request_id))
    if again is not None:
        if (again.service_code, again.day) != (request.service_code, request.day):
            raise LeaseError(422, f"request_id {request.request_id} was already used for {again.service_code} "
                                  f"on {again.day}: use a new request_id for a new request")
        return again
    doc = doc_of(centre)
    code, day = request.service_code, request.day
    try:
        service = doc.config.service(code)
    except KeyError:
        raise LeaseError(404, f"unknown service {code!r} in centre {centre.code}") from None
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        raise LeaseError(422, f"day must be YYYY-MM-DD, got {day!r}") from None
    closure = day_off(doc.config.calendar, date)
    if closure is not None:
        kind = "a public holiday" if closure.kind == "holiday" else "a closed day"
        raise LeaseError(409, f"{day} is {kind} of centre {centre.code} ({closure.name}): no numbers are leased "
                              "for it", "day_off")
    limit = lease_limit(doc.numbering, service.max_number)
    tz = ZoneInfo(doc.config.centre.timezone)

    quota_left: int | None = None
    window_start: str | None = None
    if service.daily_quota is not None:
        quota_left = service.daily_quota - _used(session, centre.id, service, day, limit, None)
        if quota_left <= 0:
            raise LeaseError(409, f"the daily quota of service {code} ({service.daily_quota}) is reached", "quota_day")
    if has_window_quotas(service):
        window = _quota_window(service, doc.config.calendar, day, now, tz)
        assert window is not None
        window_start = window.start
        if window.quota is not None:
            begin, end = window_bounds(window, now.astimezone(tz))
            left = window.quota - _used(session, centre.id, service, day, limit, (window.start, begin, end))
            if left <= 0:
                raise LeaseError(409, f"the quota of service {code} for the session from {window.start} "
                                      f"({window.quota}) is reached", "quota_window")
            quota_left = left if quota_left is None else min(quota_left, left)

    cursor = session.get(LeaseCursor, (centre.id, code, day))
    if cursor is None:
        cursor = LeaseCursor(centre_id=centre.id, service_code=code, day=day, next_number=1)
        session.add(cursor)
    space_left = limit - cursor.next_number + 1
    if space_left <= 0:
        raise LeaseError(409, f"number space of service {code} on {day} is exhausted: numbers 1-{limit} are all "
                              f"leased (above {limit} is the devices' offline fallback space)", "exhausted")
    lobbies = lobby_count(session, centre.id)
    held = session.scalar(select(func.coalesce(func.sum(Lease.last - Lease.first + 1), 0)).where(
        Lease.device_id == device.id, Lease.service_code == code, Lease.day == day)) or 0
    device_left = device_day_cap(limit, doc.numbering.lease_size, lobbies) - int(held)
    if device_left <= 0:
        raise LeaseError(409, f"this kiosk already leased its share of service {code} on {day} ({held} numbers); "
                              "the rest is kept for the centre's other kiosks", "device_cap")
    grant = lease_grant(request.count, space_left, device_left, quota_left, lobbies)
    first = cursor.next_number
    cursor.next_number = first + grant
    lease = Lease(id=str(uuid.uuid4()), centre_id=centre.id, device_id=device.id, request_id=request.request_id,
                  service_code=code, day=day, window=window_start, first=first, last=first + grant - 1,
                  created_at=now, used=0)
    session.add(lease)
    session.flush()
    return lease


def record_usage(session: Session, device: Device, issued: list[Applied]) -> None:
    """Counts issued tickets against the lease they came from (by lease id, else by range)."""
    if not issued:
        return
    leases = session.scalars(select(Lease).where(
        Lease.device_id == device.id,
        Lease.day.in_({str(e.payload["day"]) for e in issued}))).all()
    if not leases:
        return
    by_id = {lease.id: lease for lease in leases}
    tally: Tally[str] = Tally()
    for ev in issued:
        p = ev.payload
        lease = by_id.get(str(p.get("central_lease_id")))
        if lease is None:
            number, code, day = int(p["number"]), str(p["service_code"]), str(p["day"])
            lease = next((x for x in leases if x.service_code == code and x.day == day and x.first <= number <= x.last), None)
        if lease is not None:
            tally[lease.id] += 1
    if tally:
        table = cast(Table, Lease.__table__)
        stmt = update(table).where(table.c.id == bindparam("k_id")).values(used=table.c.used + bindparam("n"))
        session.connection().execute(stmt, [{"k_id": k, "n": n} for k, n in sorted(tally.items())])
