"""Tickets: the projection of ticket.* events (from kiosks, counters and the central itself).

Events may arrive late, twice (deduplicated upstream by event id) or out of order, from
several devices. Each field is therefore merged commutatively: the status is last-writer-wins
by (corrected event time, event id); first/last call times are min/max; the service is that
of the latest transfer, else the issuing one. Applying a set of events in any order gives
the same row.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

from sqlalchemy import ForeignKey, Index, String, Table, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from central import bulk, rollups
from central.db import Base

WAITING, CALLED, SERVED, NO_SHOW = "waiting", "called", "served", "no_show"


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (Index(None, "centre_id", "status", "service_code", "day"),
                      Index(None, "centre_id", "served_at"),
                      Index("ix_tickets_calls", "centre_id", "day", "called_at"),  # hall displays' calls
                      # the reports' period filter, covering what they group and sum
                      Index("ix_tickets_report", "centre_id", "day", "status", "service_code", "counter", "officer",
                            "wait_s", "service_s"))

    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    device_id: Mapped[str | None] = mapped_column(String(36))  # issuing kiosk
    day: Mapped[str | None] = mapped_column(String(10))
    number: Mapped[int | None]
    display_number: Mapped[str | None] = mapped_column(String(16))
    priority_group: Mapped[str | None] = mapped_column(String(32))
    issued_service_code: Mapped[str | None] = mapped_column(String(16))
    issued_at: Mapped[dt.datetime | None]
    printed_ok: Mapped[bool | None]
    service_code: Mapped[str | None] = mapped_column(String(16))  # current queue
    queued_at: Mapped[dt.datetime | None]                        # FIFO key in that queue
    transfer_key: Mapped[str | None] = mapped_column(String(100))
    transfer_count: Mapped[int] = mapped_column(default=0)
    status: Mapped[str | None] = mapped_column(String(16))
    status_key: Mapped[str | None] = mapped_column(String(100))
    counter: Mapped[int | None]
    officer: Mapped[str | None] = mapped_column(String(64))
    first_called_at: Mapped[dt.datetime | None]
    called_at: Mapped[dt.datetime | None]
    call_count: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[dt.datetime | None]
    served_at: Mapped[dt.datetime | None]
    no_show_at: Mapped[dt.datetime | None]
    # Derived when the row is written, so the reports sum columns instead of date arithmetic.
    wait_s: Mapped[float | None]  # issued -> first call, seconds (None if not called, or negative)
    service_s: Mapped[float | None]  # call -> served, seconds (None unless served)


_TABLE = cast(Table, Ticket.__table__)
COLUMNS = [c.name for c in _TABLE.columns]
_KEYS = ("centre_id", "ticket_id")


_UTC = dt.timezone.utc


@dataclass(frozen=True)
class Applied:
    """An accepted event, times already corrected for the sending device's clock skew."""
    id: str
    type: str
    at: dt.datetime
    payload: dict[str, Any]
    device_id: str
    skew: dt.timedelta = dt.timedelta(0)
    received: dt.datetime | None = None  # when the central got it: no moment of it lies later
    clock_ok: bool = True                 # False: the device's clock is off beyond the limit

    @cached_property
    def key(self) -> str:
        """See order_key; computed once (sorting and merging each ask for it)."""
        at = self.at if self.at.tzinfo is _UTC else self.at.astimezone(_UTC)
        return f"{at.isoformat('T', 'microseconds')[:26]}|{self.id}"


def order_key(ev: Applied) -> str:
    """"YYYY-MM-DDTHH:MM:SS.ffffff|id" in UTC: orders a ticket's events (stored as status_key)."""
    return ev.key


def payload_time(value: Any, skew: dt.timedelta) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return None if moment.tzinfo is None else moment + skew


def _min(a: dt.datetime | None, b: dt.datetime) -> dt.datetime:
    return b if a is None or b < a else a


def _max(a: dt.datetime | None, b: dt.datetime) -> dt.datetime:
    return b if a is None or b > a else a


def _status(t: dict[str, Any], key: str, status: str, counter: Any, officer: Any) -> None:
    if t["status_key"] is None or key > t["status_key"]:
        t["status_key"], t["status"] = key, status
        t["counter"] = int(counter) if counter is not None else None
        t["officer"] = officer if officer is None else str(officer)


def reduce(t: dict[str, Any], ev: Applied) -> None:
    """Merges one accepted event into a ticket row (a dict of COLUMNS)."""
    p, key = ev.payload, order_key(ev)
    if ev.type == "ticket.issued":
        issued = payload_time(p["issued_at"], ev.skew) or ev.at
        if ev.received is not None:
            issued = min(issued, ev.received)
        # A device with a wrong clock never goes ahead of honest ones: it queues at arrival.
        queued = issued if ev.clock_ok or ev.received is None else ev.received
        t.update(device_id=ev.device_id, day=str(p["day"]), number=int(p["number"]),
                 display_number=str(p["display_number"]), priority_group=p["priority_group"] or None,
                 issued_service_code=str(p["service_code"]), issued_at=issued)
        if t["transfer_key"] is None:
            t["service_code"], t["queued_at"] = t["issued_service_code"], queued
        _status(t, key, WAITING, None, None)
    elif ev.type == "ticket.printed":
        t["printed_ok"] = bool(t["printed_ok"]) or bool(p["ok"])  # a reprint that worked counts
    elif ev.type == "ticket.called":
        t["first_called_at"] = _min(t["first_called_at"], ev.at)
        t["called_at"] = _max(t["called_at"], ev.at)
        t["call_count"] = (t["call_count"] or 0) + 1
        _status(t, key, CALLED, p["counter"], p["officer"])
    elif ev.type == "ticket.served":
        # The latest completion wins (max, so arrival order does not matter).
        done, began = payload_time(p["completed_at"], ev.skew) or ev.at, payload_time(p["started_at"], ev.skew)
        if ev.received is not None:
            done, began = min(done, ev.received), began and min(began, ev.received)
        floor = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
        if t["served_at"] is None or (done, began or floor) > (t["served_at"], t["started_at"] or floor):
            t["started_at"], t["served_at"] = began, done
        _status(t, key, SERVED, p["counter"], p["officer"])
    elif ev.type == "ticket.no_show":
        t["no_show_at"] = _max(t["no_show_at"], ev.at)
        _status(t, key, NO_SHOW, p["counter"], p.get("officer"))
    elif ev.type == "ticket.transferred":
        t["transfer_count"] = (t["transfer_count"] or 0) + 1
        if t["transfer_key"] is None or key > t["transfer_key"]:
            t["transfer_key"], t["service_code"], t["queued_at"] = key, str(p["to_service_code"]), ev.at
        _status(t, key, WAITING, p["counter"], None)


def blank(centre_id: int, ticket_id: str) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(centre_id=centre_id, ticket_id=ticket_id, transfer_count=0, call_count=0)
    return row


def apply_events(session: Session, centre_id: int, events: list[Applied],
                 known: set[str] | frozenset[str] = frozenset(), today_only: bool = False) -> dict[str, dict[str, Any]]:
    """Projects ticket events in bulk: new tickets are inserted whole (1 insert); the rows that
    already exist (`known` to exist, or made meanwhile by another batch) are locked, merged and
    updated (1 locking select, 1 executemany update). today_only: the caller knows every ticket is
    of the centre's today (counter actions), so no closed day's report sums are forgotten."""
    if not events:
        return {}
    ids = sorted({str(e.payload["ticket_id"]) for e in events})
    fresh = {i: blank(centre_id, i) for i in ids if i not in known}
    for ev in events:
        row = fresh.get(str(ev.payload["ticket_id"]))
        if row is not None:
            reduce(row, ev)
    # Sorted, so concurrent batches take row locks in the same order; a row another batch made
    # first is merged below like any existing row.
    table = _TABLE
    inserted: set[str] = set()
    if fresh:
        order = sorted(fresh)
        stored = bulk.insert_new(session, table, COLUMNS, [fresh[i] for i in order])
        if stored == len(order):  # every row is ours: nothing to read back
            inserted.update(order)
        # Ours when the row holds our merge (status_key names the latest event by time and id); a
        # row another batch made first is merged below like any existing row.
        for chunk in range(0 if stored < len(order) else len(order), len(order), 1000):
            part = order[chunk:chunk + 1000]
            inserted.update(tid for tid, key in session.execute(
                select(table.c.ticket_id, table.c.status_key).where(
                    table.c.centre_id == centre_id, bulk.among(session, table.c.ticket_id, part)))
                if key == fresh[tid]["status_key"])
    rows = {i: fresh[i] for i in inserted}
    rest = [i for i in ids if i not in inserted]
    existing: dict[str, dict[str, Any]] = {}
    for chunk in range(0, len(rest), 1000):
        part = rest[chunk:chunk + 1000]
        query = (select(table).where(table.c.centre_id == centre_id, bulk.among(session, table.c.ticket_id, part))
                 .order_by(table.c.ticket_id).with_for_update())
        existing.update({r["ticket_id"]: dict(r) for r in session.execute(query).mappings()})
    before = {tid: dict(row) for tid, row in existing.items()}
    for ev in events:
        row = existing.get(str(ev.payload["ticket_id"]))
        if row is not None:
            reduce(row, ev)
    write_rows(session, list(existing.values()), before)
    merged = {**rows, **existing}
    if not today_only:  # a closed day changed: sum it again
        rollups.forget(session, centre_id, (r["day"] for r in merged.values()))
    return merged


def _seconds(a: dt.datetime | None, b: dt.datetime | None) -> float | None:
    return (b - a).total_seconds() if a is not None and b is not None and b >= a else None


def durations(t: dict[str, Any]) -> None:
    """The waiting and service times the reports sum (central/analytics.py)."""
    t["wait_s"] = _seconds(t["issued_at"], t["first_called_at"])
    t["service_s"] = _seconds(t["called_at"], t["served_at"]) if t["status"] == SERVED else None


def write_rows(session: Session, rows: list[dict[str, Any]],
               before: dict[str, dict[str, Any]] | None = None) -> None:
    """Updates ticket rows; with `before` (the rows as read), only the columns that changed,
    one executemany per set of changed columns (a call changes 6 of 30 columns)."""
    if not rows:
        return
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for r in rows:
        durations(r)
        old = before.get(r["ticket_id"]) if before is not None else None
        changed = tuple(c for c in COLUMNS if c not in _KEYS and (old is None or r[c] != old[c]))
        if changed:
            groups.setdefault(changed, []).append(r)
    for changed, group in groups.items():
        bulk.update_rows(session, _TABLE, _KEYS, changed, group)
