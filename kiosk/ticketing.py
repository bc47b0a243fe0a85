"""Issuing queue tickets: the lobby kiosk's service layer.

A ticket is committed durably (with its outbox event) before anything is printed or spoken;
the number comes from a lease so numbers never repeat within a day, even across kiosks.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Callable, Protocol, cast
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from kiosk.contract.config import Config, Service
from kiosk.domain.clock import Clock, local_day, system_clock
from kiosk.contract.queue import CyclePosition, estimated_wait_minutes, people_ahead
from kiosk.contract.ticket_page import make_token, page_url
from kiosk.contract.windows import current_window, has_window_quotas, window_bounds
from kiosk.domain.schedule import Availability, ServiceState, service_state
from kiosk.contract.events import Event
from kiosk.contract.wire import LeaseKind, TicketIssued, TicketPrinted, printable
from kiosk.outbox import add_event
from kiosk.ports import PrintResult
from kiosk.storage import Database
from kiosk.storage.leases import NumberLease
from kiosk.storage.tickets import Ticket
from kiosk.waiting import QueueBoard, Waiting, fluid_length


class TicketRefused(Exception):
    """The kiosk will not issue this ticket; `reason` is a stable code the screen translates."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason  # closed | quota_day | quota_window | rate_limited | numbers_exhausted | unknown_service | unknown_group


@dataclass(frozen=True)
class ServiceView:
    service: Service
    state: ServiceState
    waiting: int
    approximate: bool = False  # the kiosk's own estimate: the central's queue is not known now


@dataclass(frozen=True)
class IssuedTicket:
    ticket_id: str
    service_code: str
    day: str
    number: int
    display_number: str
    priority_group: str | None
    issued_at: dt.datetime
    people_ahead: int
    estimated_wait_minutes: int
    qr_payload: str
    repeated: bool = False  # a double tap: the ticket issued a moment ago, not a new one
    approximate: bool = False  # people ahead and wait are the kiosk's own estimate, not the central's queue


class LeaseSource(Protocol):
    """Finds a block of numbers when the kiosk has none left for a service today."""

    def new_lease(self, session: Session, service: Service, day: str, now: dt.datetime) -> NumberLease | None: ...

    def refusal(self, session: Session, service: Service, day: str, window: str | None) -> str | None:
        """quota_day | quota_window when the central said the service's quota is reached, else None."""


class StandaloneLeases:
    """A kiosk with no central owns the whole number space of each service."""

    def new_lease(self, session: Session, service: Service, day: str, now: dt.datetime) -> NumberLease | None:
        used = session.scalar(select(func.count()).select_from(NumberLease)
                              .where(NumberLease.service_code == service.code, NumberLease.day == day))
        if used:
            return None  # the whole space was already handed out today
        return NumberLease(service_code=service.code, day=day, first=1, last=service.max_number,
                           next_number=1, source="local", created_at=now)

    def refusal(self, session: Session, service: Service, day: str, window: str | None) -> str | None:
        return None  # no central: the kiosk's own counts are the quota's


def display_number(service: Service, number: int) -> str:
    return f"{service.prefix}{number:0{service.digits}d}"


def ticket_qr_payload(centre_code: str, day: str, display: str, ticket_id: str) -> str:
    """The product's own ticket QR: `KMC1:T:<centre>:<yyyymmdd>:<number>:<ticket id hex>`."""
    return f"KMC1:T:{centre_code}:{day.replace('-', '')}:{display}:{uuid.UUID(ticket_id).hex}"


def ticket_qr(config: Config, day: str, display: str, ticket_id: str) -> str:
    """The ticket page's URL on the central when the kiosk holds the centre's ticket key (made
    offline too: kiosk.contract.ticket_page); else the kiosk's own KMC1:T: code."""
    central = config.central
    base = central.public_url or central.url
    if central.ticket_key and base:
        return page_url(base, make_token(central.ticket_key, ticket_id))
    return ticket_qr_payload(config.centre.code, day, display, ticket_id)


class TicketDesk:
    def __init__(self, db: Database, config: Config, *, clock: Clock = system_clock,
                 leases: LeaseSource | None = None) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.leases: LeaseSource = leases or StandaloneLeases()
        self.tz = ZoneInfo(config.centre.timezone)
        self.board = QueueBoard()  # the central's queue, when the sync thread fetches it
        # Asks the central for a lease when none is left (set by the sync service; called off
        # any transaction, on the desk's thread, before falling back to the offline block).
        self.refill: Callable[[Service, str], None] | None = None

    def reconfigure(self, config: Config) -> None:
        self.config = config
        self.tz = ZoneInfo(config.centre.timezone)

    # -- reading -------------------------------------------------------------------------
    def overview(self) -> list[ServiceView]:
        now = self.clock()
        local_now = now.astimezone(self.tz)
        day = local_day(now, self.tz)
        with self.db.transaction() as s:
            issued = s.execute(select(Ticket.service_code, Ticket.issued_at).where(Ticket.day == day)
                               .order_by(Ticket.issued_at)).all()
            arrivals: dict[str, list[dt.datetime]] = {}
            for code, at in issued:
                arrivals.setdefault(code, []).append(at)
            fresh = self.board.fresh(day, now)
            latest = self.board.latest(day)
            views = []
            for service in self.config.services:
                own = arrivals.get(service.code, [])
                state = self._state(s, service, local_now, day, len(own))
                queue = fresh.summary.service(service.code) if fresh else None
                if fresh is not None and queue is not None:
                    # the central's count, plus what it cannot have seen yet
                    waiting = queue.waiting + sum(1 for at in own if at >= fresh.fetched_at)
                    views.append(ServiceView(service, state, waiting))
                    continue
                base = latest.summary.service(service.code) if latest else None
                start = latest.fetched_at if latest and base else None
                since = [at for at in own if start is None or at >= start]
                waiting = fluid_length(base.waiting if base else 0, start or (since[0] if since else now), since, now,
                                       self._pace(service))
                views.append(ServiceView(service, state, waiting, approximate=True))
        return views

    def _pace(self, service: Service) -> float:
        """People served a minute by the counters configured for the service."""
        return max(1, len(self.config.counters_for(service.code))) / service.average_service_minutes

    def _state(self, s: Session, service: Service, local_now: dt.datetime, day: str, issued_today: int) -> ServiceState:
        calendar = self.config.calendar
        state = service_state(service, calendar, local_now, issued_today, 0)
        if state.window is not None and state.window.quota is not None and state.is_open:
            start, end = window_bounds(state.window, local_now)
            in_window = s.scalar(select(func.count()).select_from(Ticket).where(
                Ticket.service_code == service.code, Ticket.day == day,
                Ticket.issued_at >= start, Ticket.issued_at < end)) or 0
            state = service_state(service, calendar, local_now, issued_today, in_window)
        if state.is_open:
            # Centre-wide quotas: the central refused a lease for it, and no leased number is left.
            window = self._quota_window(service, local_now)
            refused = self.leases.refusal(s, service, day, window)
            if refused is not None and self._usable(s, service, day, window) is None:
                state = ServiceState(Availability(refused), state.window)
        return state

    def _quota_window(self, service: Service, local_now: dt.datetime) -> str | None:
        """For a service with session quotas, the start of the session open now (a central lease
        counts against one session's quota and is used only in it); None otherwise."""
        if not has_window_quotas(service):
            return None
        window = current_window(service, self.config.calendar, local_now)
        return window.start if window is not None else None

    def _usable(self, s: Session, service: Service, day: str, window: str | None) -> NumberLease | None:
        """The lease to issue the next number from: central leases first (of the open session when
        the service has session quotas), then the kiosk's own block."""
        source_order = case((NumberLease.source == "central", 0), (NumberLease.source == "local", 1), else_=2)
        query = select(NumberLease).where(NumberLease.service_code == service.code, NumberLease.day == day,
                                          NumberLease.next_number <= NumberLease.last)
        if has_window_quotas(service):
            query = query.where((NumberLease.source != "central") | (NumberLease.window == window))
        return s.scalar(query.order_by(source_order, NumberLease.first).limit(1))

    # -- issuing -------------------------------------------------------------------------
    def issue(self, service_code: str, priority_group: str | None, request_key: str,
              phone: str | None = None) -> IssuedTicket:
        """phone: the citizen's consented mobile number (national form), carried only in the
        ticket.issued event for the central's notifier (kiosk.outbox.forget_phones drops it locally)."""
        try:
            service = self.config.service(service_code)
        except KeyError:
            raise TicketRefused("unknown_service", service_code) from None
        if priority_group is not None:
            try:
                self.config.priority_group(priority_group)
            except KeyError:
                raise TicketRefused("unknown_group", priority_group) from None
        now = self.clock()
        local_now = now.astimezone(self.tz)
        day = local_day(now, self.tz)
        if self.refill is not None:
            with self.db.transaction() as s:
                empty = self._usable(s, service, day, self._quota_window(service, local_now)) is None
            if empty:
                self.refill(service, day)  # online, a lease from the central; offline it returns at once
        with self.db.transaction() as s:
            repeat = self._repeated(s, service, priority_group, request_key, now)
            if repeat is not None:
                return self._view(s, repeat, service, repeated=True)
            self._check_rate(s, now)
            issued_today = s.scalar(select(func.count()).select_from(Ticket).where(
                Ticket.service_code == service.code, Ticket.day == day)) or 0
            state = self._state(s, service, local_now, day, issued_today)
            if not state.is_open:
                reason = state.availability.value
                if state.day_off is not None:  # the lobby names the holiday (kiosk.lobby.Lobby.refusal_message)
                    raise TicketRefused("day_off", state.day_off.name)
                raise TicketRefused("closed" if reason in ("not_yet_open", "break", "closed_today") else reason)
            lease = self._lease(s, service, day, now, self._quota_window(service, local_now))
            number = lease.next_number
            lease.next_number += 1
            ticket = Ticket(id=str(uuid.uuid4()), service_code=service.code, day=day, number=number,
                            display_number=display_number(service, number), priority_group=priority_group,
                            issued_at=now, status="waiting", print_state="pending",
                            request_key=request_key, lease_id=lease.id)
            s.add(ticket)
            add_event(s, Event(TicketIssued(
                ticket_id=ticket.id, service_code=service.code, day=day, number=number,
                display_number=ticket.display_number, priority_group=priority_group, issued_at=now,
                lease_source=cast(LeaseKind, lease.source), central_lease_id=lease.central_lease_id,
                device_id=self.config.device.id, phone=phone), occurred_at=now, id=ticket.id))
            s.flush()
            return self._view(s, ticket, service)

    def _repeated(self, s: Session, service: Service, group: str | None, request_key: str,
                  now: dt.datetime) -> Ticket | None:
        same_key = s.scalar(select(Ticket).where(Ticket.request_key == request_key))
        if same_key is not None:
            return same_key
        guard = self.config.lobby.double_tap_guard_s
        if guard <= 0:
            return None
        last = s.scalar(select(Ticket).order_by(Ticket.issued_at.desc()).limit(1))
        if (last is not None and last.service_code == service.code and last.priority_group == group
                and now - last.issued_at < dt.timedelta(seconds=guard)):
            return last
        return None

    def _check_rate(self, s: Session, now: dt.datetime) -> None:
        limit = self.config.lobby.rate_limit
        since = now - dt.timedelta(seconds=limit.per_seconds)
        recent = s.scalar(select(func.count()).select_from(Ticket).where(Ticket.issued_at > since)) or 0
        if recent >= limit.tickets:
            raise TicketRefused("rate_limited", f"{recent} tickets in {limit.per_seconds} s")

    def _lease(self, s: Session, service: Service, day: str, now: dt.datetime, window: str | None) -> NumberLease:
        lease = self._usable(s, service, day, window)
        if lease is None:
            lease = self.leases.new_lease(s, service, day, now)
            if lease is None:
                raise TicketRefused("numbers_exhausted", f"{service.code} {day}")
            s.add(lease)
            s.flush()
        return lease

    def _view(self, s: Session, ticket: Ticket, service: Service, repeated: bool = False) -> IssuedTicket:
        waiting = self._waiting(s, ticket, service)
        return IssuedTicket(
            ticket_id=ticket.id, service_code=ticket.service_code, day=ticket.day, number=ticket.number,
            display_number=ticket.display_number, priority_group=ticket.priority_group,
            issued_at=ticket.issued_at, people_ahead=waiting.ahead, estimated_wait_minutes=waiting.minutes,
            qr_payload=ticket_qr(self.config, ticket.day, ticket.display_number, ticket.id),
            repeated=repeated, approximate=waiting.approximate)

    def _waiting(self, s: Session, ticket: Ticket, service: Service) -> Waiting:
        """People ahead of a ticket and its wait: from the central's queue when fresh (kiosk.waiting)."""
        priority = ticket.priority_group is not None
        fresh = self.board.fresh(ticket.day, self.clock())
        queue = fresh.summary.service(service.code) if fresh else None
        latest = self.board.latest(ticket.day)
        snap = fresh if queue is not None else latest
        base = snap.summary.service(service.code) if snap is not None else None
        start = snap.fetched_at if snap is not None and base is not None else None
        # this kiosk's tickets before this one that the (last) summary cannot have counted
        own = s.execute(select(Ticket.issued_at, Ticket.priority_group).where(
            Ticket.service_code == ticket.service_code, Ticket.day == ticket.day, Ticket.id != ticket.id,
            (Ticket.issued_at < ticket.issued_at) | ((Ticket.issued_at == ticket.issued_at) & (Ticket.number < ticket.number)),
            *([Ticket.issued_at >= start] if start is not None else [])).order_by(Ticket.issued_at)).all()
        own_priority = sum(1 for _, group in own if group is not None)
        position = base.position if base is not None else CyclePosition()
        ahead = people_ahead((base.priority_waiting if base else 0) + own_priority,
                             (base.normal_waiting if base else 0) + len(own) - own_priority,
                             self.config.queue, position, priority)
        if queue is not None:
            return Waiting(ahead, estimated_wait_minutes(ahead, service.average_service_minutes, queue.open_counters),
                           approximate=False)
        arrivals = [at for at, _ in own]
        queued = fluid_length(base.waiting if base else 0, start or (arrivals[0] if arrivals else ticket.issued_at),
                              arrivals, ticket.issued_at, self._pace(service))
        ahead = min(ahead, queued)
        counters = len(self.config.counters_for(service.code))
        return Waiting(ahead, estimated_wait_minutes(ahead, service.average_service_minutes, counters), approximate=True)

    def record_print(self, ticket_id: str, result: PrintResult) -> None:
        with self.db.transaction() as s:
            ticket = s.get(Ticket, ticket_id)
            if ticket is None:
                return
            ticket.print_state = "printed" if result.ok else "failed"
            add_event(s, Event(TicketPrinted(ticket_id=ticket_id, ok=result.ok, status=result.status.value,
                                             message=printable(result.message, 200))))
