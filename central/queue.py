"""The merged queue per service and the counter actions (call next, recall, skip, complete, transfer).

Call order inside a service: each cycle calls up to `priority` priority tickets first, then
up to `normal` normal ones; a class with nobody waiting is skipped; FIFO inside a class by
the time the ticket joined the queue. The cycle position is kept per service in the database.
A counter serving several services takes, among each service's next ticket, the one that
joined its queue first.
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from central import events, officers, tickets
from central.centres import CentreDoc, CentreRow, doc_of, parsed_doc
from central.db import Base, utc_now
from central.devices import Device
from central.tickets import CALLED, SERVED, WAITING, Ticket
from kiosk.contract.config import QueueRules
from kiosk.contract.queue import CyclePosition, QueueSummary, ServiceQueue, estimated_wait_minutes, people_ahead, step
from kiosk.contract.queue import call_order as domain_call_order


class QueueState(Base):
    """Where each service is in its priority/normal cycle."""
    __tablename__ = "queue_states"

    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), primary_key=True)
    service_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    priority_taken: Mapped[int] = mapped_column(default=0)
    normal_taken: Mapped[int] = mapped_column(default=0)


class QueueError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def call_order(priority: list[Any], normal: list[Any], taken: tuple[int, int], rules: QueueRules) -> list[Any]:
    """Everyone waiting, in the order they would be called if nobody else arrived."""
    return domain_call_order(priority, normal, rules, CyclePosition(*taken))


def today(doc: CentreDoc, now: dt.datetime | None = None) -> str:
    return (now or utc_now()).astimezone(ZoneInfo(doc.config.centre.timezone)).date().isoformat()


def _waiting(session: Session, centre_id: int, service: str, day: str, priority: bool, limit: int | None) -> list[Ticket]:
    cond = Ticket.priority_group.is_not(None) if priority else Ticket.priority_group.is_(None)
    stmt = (select(Ticket).where(Ticket.centre_id == centre_id, Ticket.service_code == service, Ticket.day == day,
                                 Ticket.status == WAITING, cond)
            .order_by(Ticket.queued_at, Ticket.ticket_id).limit(limit))
    return list(session.scalars(stmt))


def _state(session: Session, centre_id: int, service: str) -> QueueState:
    state = session.get(QueueState, (centre_id, service))
    if state is None:
        state = QueueState(centre_id=centre_id, service_code=service, priority_taken=0, normal_taken=0)
        session.add(state)
    return state


def ticket_json(t: Ticket) -> dict[str, Any]:
    iso = lambda v: v.isoformat() if v else None  # noqa: E731
    return {"ticket_id": t.ticket_id, "display_number": t.display_number, "number": t.number, "day": t.day,
            "service_code": t.service_code, "priority_group": t.priority_group, "status": t.status,
            "counter": t.counter, "officer": t.officer, "issued_at": iso(t.issued_at), "queued_at": iso(t.queued_at),
            "called_at": iso(t.called_at), "served_at": iso(t.served_at)}


def recent_calls(session: Session, centre: CentreRow, since: dt.datetime | None, limit: int = 20) -> dict[str, Any]:
    """Tickets called (or recalled) at counters, oldest first after `since`: what a hall display
    shows and announces. A recall moves called_at forward, so it is listed again."""
    doc = doc_of(centre)
    day = today(doc)
    query = select(*CALL_COLUMNS).where(Ticket.centre_id == centre.id, Ticket.day == day, Ticket.called_at.is_not(None),
                                        Ticket.counter.is_not(None))
    if since is not None:
        query = query.where(Ticket.called_at > since)
    rows = session.execute(query.order_by(Ticket.called_at.desc()).limit(limit)).all()
    return {"day": day, "server_time": utc_now().isoformat(), "calls": [call_json(t) for t in reversed(rows)]}


# What a call needs of its ticket: read as plain rows (a whole Ticket is 30 columns and an ORM object)
CALL_COLUMNS = (Ticket.centre_id, Ticket.ticket_id, Ticket.display_number, Ticket.service_code, Ticket.counter,
                Ticket.called_at, Ticket.call_count, Ticket.status, Ticket.day)


def call_json(t: Any) -> dict[str, Any]:
    """A call as hall displays get it (GET /calls, the push stream), from a Ticket or a row of CALL_COLUMNS."""
    return {"ticket_id": t.ticket_id, "display_number": t.display_number, "service_code": t.service_code,
            "counter": t.counter, "called_at": t.called_at.isoformat() if t.called_at else None,
            "recall": (t.call_count or 0) > 1, "status": t.status}


def queue_view(session: Session, centre: CentreRow, service: str, day: str | None = None) -> dict[str, Any]:
    doc = doc_of(centre)
    try:
        doc.config.service(service)
    except KeyError:
        raise QueueError(404, f"unknown service {service!r}") from None
    day = day or today(doc)
    state = session.get(QueueState, (centre.id, service))
    taken = (state.priority_taken, state.normal_taken) if state else (0, 0)
    prio = _waiting(session, centre.id, service, day, True, None)
    normal = _waiting(session, centre.id, service, day, False, None)
    order = call_order(prio, normal, taken, doc.config.queue)
    return {"service_code": service, "day": day, "waiting_count": len(order), "priority_waiting": len(prio),
            "normal_waiting": len(normal), "waiting": [ticket_json(t) for t in order]}


ACTIVE_COUNTER = dt.timedelta(hours=1)  # a counter that called within this serves now


def summary(session: Session, centre: CentreRow, day: str | None = None,
            now: dt.datetime | None = None) -> QueueSummary:
    """Per service: who waits (by class), where the call cycle stands, how many counters serve it
    and the wait of a newcomer. The lobby kiosks show this instead of their own counts."""
    doc = doc_of(centre)
    now = now or utc_now()
    day = day or today(doc, now)
    counts: dict[tuple[str | None, bool], int] = {}
    for code, is_priority, n in session.execute(
            select(Ticket.service_code, Ticket.priority_group.is_not(None), func.count())
            .where(Ticket.centre_id == centre.id, Ticket.day == day, Ticket.status == WAITING)
            .group_by(Ticket.service_code, Ticket.priority_group.is_not(None))).all():
        counts[(code, bool(is_priority))] = counts.get((code, bool(is_priority)), 0) + int(n)
    states = {q.service_code: q for q in session.scalars(select(QueueState).where(QueueState.centre_id == centre.id))}
    active = set(session.scalars(select(Ticket.counter).where(
        Ticket.centre_id == centre.id, Ticket.day == day, Ticket.counter.is_not(None),
        Ticket.called_at >= now - ACTIVE_COUNTER).distinct()))
    services = []
    for s in doc.config.services:
        prio, normal = counts.get((s.code, True), 0), counts.get((s.code, False), 0)
        state = states.get(s.code)
        position = CyclePosition(state.priority_taken, state.normal_taken) if state else CyclePosition()
        serving = [c.number for c in doc.config.counters if s.code in c.services]
        open_counters = max(1, len(active & set(serving)) or len(serving))
        ahead = people_ahead(prio, normal, doc.config.queue, position, priority=False)
        services.append(ServiceQueue(
            service_code=s.code, name=s.name, waiting=prio + normal, priority_waiting=prio, normal_waiting=normal,
            priority_called=position.priority_called, normal_called=position.normal_called,
            open_counters=open_counters,
            estimated_wait_minutes=estimated_wait_minutes(ahead, s.average_service_minutes, open_counters)))
    return QueueSummary(day=day, server_time=now.isoformat(), services=services)


def lock_centre(session: Session, centre_id: int) -> CentreDoc:
    """The centre's document, its row locked: serialises counter actions of one centre (FOR UPDATE
    on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises every writer). Once per transaction,
    and the document itself is read only when this process has not parsed its version yet."""
    key = ("central.queue.locked", centre_id)
    doc: CentreDoc | None = session.info.get(key)
    if doc is None:
        etag = session.scalar(select(CentreRow.etag).where(CentreRow.id == centre_id).with_for_update())
        assert etag is not None
        doc = parsed_doc(etag)
        if doc is None:
            row = session.get(CentreRow, centre_id)
            assert row is not None
            doc = doc_of(row)
        session.info[key] = doc
    return doc


def _counter(doc: CentreDoc, number: int) -> Any:
    for c in doc.config.counters:
        if c.number == number:
            return c
    raise QueueError(404, f"unknown counter {number}")


def current(session: Session, centre_id: int, number: int, day: str) -> Ticket | None:
    return session.scalar(select(Ticket).where(
        Ticket.centre_id == centre_id, Ticket.counter == number, Ticket.status == CALLED, Ticket.day == day)
        .order_by(Ticket.called_at.desc()).limit(1))


def _apply(session: Session, device: Device, ev_type: str, payload: dict[str, Any], now: dt.datetime) -> Ticket:
    ev = events.record_own(session, device, ev_type, payload, now)
    # the ticket exists (the caller read it): merged into its row, no insert attempt to read back;
    # it is one of today's (call_next and current() read today's only): no closed day's sums change
    tickets.apply_events(session, device.centre_id, [ev], known={str(payload["ticket_id"])}, today_only=True)
    t = session.get(Ticket, (device.centre_id, payload["ticket_id"]), populate_existing=True)
    assert t is not None
    return t


def serving_officer(session: Session, doc: CentreDoc, centre_id: int, counter: Any, officer: str | None) -> str | None:
    """The officer a counter action is done by: the one the counter names (signed in there), else
    the one the central knows signed in, else (sign-in not required) the counter's configured one.
    403 when the centre requires sign-in and nobody is signed in."""
    if officer is not None and officer not in {o.code for o in doc.config.officers}:
        raise QueueError(422, f"unknown officer {officer!r}")
    officer = officer or officers.signed_in(session, centre_id, counter.number)
    if officer is None and doc.config.centre.require_sign_in:
        raise QueueError(403, f"no officer is signed in at counter {counter.number}: sign in at the counter first")
    return officer or counter.officer


def call_next(session: Session, device: Device, number: int, now: dt.datetime | None = None,
              officer: str | None = None) -> Ticket | None:
    now = now or utc_now()
    doc = lock_centre(session, device.centre_id)
    counter, day = _counter(doc, number), today(doc, now)
    officer = serving_officer(session, doc, device.centre_id, counter, officer)
    busy = current(session, device.centre_id, number, day)
    if busy is not None:
        raise QueueError(409, f"counter {number} is serving {busy.display_number}: complete, skip or transfer it first")
    best: tuple[Any, ...] | None = None
    for code in sorted(set(counter.services)):
        state = _state(session, device.centre_id, code)
        heads = {True: _waiting(session, device.centre_id, code, day, True, 1),
                 False: _waiting(session, device.centre_id, code, day, False, 1)}
        nxt = step((state.priority_taken, state.normal_taken), doc.config.queue, bool(heads[True]), bool(heads[False]))
        if nxt is None:
            continue
        kind, taken = nxt
        ticket = heads[kind == "priority"][0]
        rank = (ticket.queued_at, ticket.ticket_id)
        if best is None or rank < best[0]:
            best = (rank, ticket, state, taken)
    if best is None:
        return None
    _, ticket, state, taken = best
    # Ingestion does not take the centre lock: re-read the ticket under its row lock.
    locked = session.scalar(select(Ticket).where(Ticket.centre_id == device.centre_id,
                                                 Ticket.ticket_id == ticket.ticket_id)
                            .with_for_update().execution_options(populate_existing=True))
    if locked is None or locked.status != WAITING:
        raise QueueError(409, f"ticket {ticket.display_number} was just called elsewhere; try again")
    state.priority_taken, state.normal_taken = taken
    called = _apply(session, device, "ticket.called",
                    {"ticket_id": ticket.ticket_id, "counter": number, "officer": officer}, now)
    if called.status != CALLED or called.counter != number:
        raise QueueError(409, f"ticket {ticket.display_number} changed while being called; try again")
    return called


def rating_request(session: Session, centre_id: int, number: int, within: dt.timedelta,
                   now: dt.datetime | None = None) -> Ticket | None:
    """The ticket served last at a counter, within `within`, still without a rating: what the
    counter's rating terminal asks the citizen about (issue 15)."""
    from central.ratings import Rating  # ratings imports tickets; queue is imported by the API only
    now = now or utc_now()
    t = session.scalar(select(Ticket).where(Ticket.centre_id == centre_id, Ticket.counter == number,
                                            Ticket.status == SERVED, Ticket.served_at >= now - within)
                       .order_by(Ticket.served_at.desc()).limit(1))
    if t is None or session.scalar(select(Rating.rating_id).where(Rating.centre_id == centre_id,
                                                                 Rating.ticket_id == t.ticket_id)) is not None:
        return None
    return t


def act(session: Session, device: Device, number: int, action: str, to_service: str | None = None,
        now: dt.datetime | None = None, officer: str | None = None) -> Ticket:
    """recall | no_show | complete | transfer, on the ticket the counter is serving now."""
    now = now or utc_now()
    doc = lock_centre(session, device.centre_id)
    counter = _counter(doc, number)
    officer = serving_officer(session, doc, device.centre_id, counter, officer)
    t = current(session, device.centre_id, number, today(doc, now))
    if t is None:
        raise QueueError(409, f"counter {number} is not serving any ticket")
    base = {"ticket_id": t.ticket_id, "counter": number}
    if action == "recall":
        return _apply(session, device, "ticket.called", {**base, "officer": officer}, now)
    if action == "no_show":
        return _apply(session, device, "ticket.no_show", base, now)
    if action == "complete":
        started = (t.called_at or now).isoformat()
        return _apply(session, device, "ticket.served", {**base, "officer": officer, "started_at": started,
                                                         "completed_at": now.isoformat()}, now)
    if action == "transfer":
        if to_service not in {s.code for s in doc.config.services}:
            raise QueueError(404, f"unknown service {to_service!r}")
        if to_service == t.service_code:
            raise QueueError(422, f"ticket {t.display_number} is already in service {to_service}")
        return _apply(session, device, "ticket.transferred", {**base, "to_service_code": to_service}, now)
    raise ValueError(action)
