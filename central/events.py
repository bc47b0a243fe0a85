"""Event ingestion: validate, deduplicate by event id, store raw + skew-corrected, project.

One batch is one transaction: either every accepted event is stored and projected, or
nothing is (and the device retries the batch; ids make the retry harmless).
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from central import fleet, leases, ratings, tickets
from central.db import Base, dialect_insert
from central.devices import Device
from central.tickets import Applied
from kiosk.contract.events import EVENT_TYPES

MAX_EVENTS = 1000
MAX_BODY_BYTES = 2 * 1024 * 1024
RATING_LEVELS = ("very_satisfied", "satisfied", "unsatisfied")


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=64)
    type: str = Field(min_length=1, max_length=64)
    occurred_at: AwareDatetime
    payload: dict[str, Any]


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    device_id: str = Field(min_length=1, max_length=64)
    sent_at: AwareDatetime
    events: list[EventIn] = Field(description=f"at most {MAX_EVENTS} (else 413)")


class EventResult(BaseModel):
    id: str
    status: str = Field(description="accepted | duplicate | rejected")
    reason: str | None = None


class BatchResult(BaseModel):
    server_time: str
    skew_ms: int = Field(description="server receive time - sent_at, added to every occurred_at")
    results: list[EventResult]


class StoredEvent(Base):
    __tablename__ = "events"
    __table_args__ = (Index(None, "centre_id", "type", "corrected_occurred_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    device_id: Mapped[str] = mapped_column(String(36))
    batch_id: Mapped[str | None] = mapped_column(String(36))  # None: made by the central itself
    type: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[dt.datetime]            # as the device's clock said
    corrected_occurred_at: Mapped[dt.datetime]  # occurred_at + skew of its batch
    received_at: Mapped[dt.datetime]
    payload: Mapped[dict[str, Any]]


class IngestBatch(Base):
    """One row per POST: when, from whom, the measured clock skew and what happened."""
    __tablename__ = "ingest_batches"
    __table_args__ = (Index(None, "device_id", "received_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(36))
    sent_at: Mapped[dt.datetime]
    received_at: Mapped[dt.datetime]
    skew_ms: Mapped[int]
    accepted: Mapped[int]
    duplicates: Mapped[int]
    rejected: Mapped[int]


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and value.isdigit()


def _time_ok(value: Any) -> bool:
    return tickets.payload_time(value, dt.timedelta(0)) is not None


def check(ev: EventIn) -> str | None:
    """Why this event cannot be accepted, or None. Keys per kiosk.contract.events.EVENT_TYPES."""
    required = EVENT_TYPES.get(ev.type)
    if required is None:
        return f"unknown event type {ev.type!r}"
    missing = [k for k in required if k not in ev.payload]
    if missing:
        return f"{ev.type} payload lacks {', '.join(missing)}"
    p = ev.payload
    if ev.type.startswith("ticket.") and not (isinstance(p["ticket_id"], str) and 0 < len(p["ticket_id"]) <= 64):
        return "payload.ticket_id must be a non-empty string of at most 64 characters"
    if ev.type == "ticket.issued":
        if not _is_int(p["number"]):
            return "payload.number must be an integer"
        if not _time_ok(p["issued_at"]):
            return "payload.issued_at must be an ISO 8601 time with a zone"
    if ev.type in ("ticket.called", "ticket.served", "ticket.no_show", "ticket.transferred", "rating.recorded"):
        if not _is_int(p["counter"]):
            return "payload.counter must be a counter number"
    if ev.type == "ticket.served" and not _time_ok(p["completed_at"]):
        return "payload.completed_at must be an ISO 8601 time with a zone"
    if ev.type == "rating.recorded":
        if p["level"] not in RATING_LEVELS:
            return f"payload.level must be one of {', '.join(RATING_LEVELS)}"
        if p["ticket_id"] is not None and not isinstance(p["ticket_id"], str):
            return "payload.ticket_id must be a string or null"
    return None


def ingest(session: Session, device: Device, batch: BatchIn, received_at: dt.datetime) -> BatchResult:
    skew = received_at - batch.sent_at
    results: dict[str, EventResult] = {}
    candidates: dict[str, EventIn] = {}
    mismatch = batch.device_id != device.id
    for ev in batch.events:
        if ev.id in results or ev.id in candidates:
            continue  # repeated in this batch: answered below
        reason = "device_id does not match the token's device" if mismatch else check(ev)
        if reason:
            results[ev.id] = EventResult(id=ev.id, status="rejected", reason=reason)
        else:
            candidates[ev.id] = ev
    batch_id = str(uuid.uuid4())
    accepted: list[Applied] = []
    if candidates:
        rows = [{"id": ev.id, "centre_id": device.centre_id, "device_id": device.id, "batch_id": batch_id,
                 "type": ev.type, "occurred_at": ev.occurred_at, "corrected_occurred_at": ev.occurred_at + skew,
                 "received_at": received_at, "payload": ev.payload} for ev in candidates.values()]
        table = StoredEvent.__table__
        stmt = dialect_insert(session, table).on_conflict_do_nothing().returning(table.c.id)
        inserted = set(session.connection().execute(stmt, rows).scalars().all())
        for ev in candidates.values():
            if ev.id in inserted:
                accepted.append(Applied(ev.id, ev.type, ev.occurred_at + skew, ev.payload, device.id, skew))
    project(session, device, accepted)
    skew_ms = round(skew.total_seconds() * 1000)
    device.last_batch_at, device.last_skew_ms = received_at, skew_ms
    out = []
    counts = {"accepted": 0, "duplicate": 0, "rejected": 0}
    accepted_ids = {a.id for a in accepted}
    answered: set[str] = set()
    for ev in batch.events:
        if ev.id in answered:
            res = EventResult(id=ev.id, status="duplicate", reason="repeated in this batch")
        elif ev.id in results:
            res = results[ev.id]
        elif ev.id in accepted_ids:
            res = EventResult(id=ev.id, status="accepted")
        else:
            res = EventResult(id=ev.id, status="duplicate", reason="already stored")
        answered.add(ev.id)
        counts[res.status] += 1
        out.append(res)
    session.add(IngestBatch(id=batch_id, device_id=device.id, sent_at=batch.sent_at, received_at=received_at,
                            skew_ms=skew_ms, accepted=counts["accepted"], duplicates=counts["duplicate"],
                            rejected=counts["rejected"]))
    return BatchResult(server_time=received_at.isoformat(), skew_ms=skew_ms, results=out)


def project(session: Session, device: Device, accepted: list[Applied]) -> None:
    """Feeds accepted events to every projection (tickets, leases, ratings, fleet)."""
    by_kind: dict[str, list[Applied]] = {"ticket": [], "rating": [], "device": []}
    for ev in sorted(accepted, key=tickets.order_key):
        kind = ev.type.split(".", 1)[0]
        if kind in by_kind:
            by_kind[kind].append(ev)
    tickets.apply_events(session, device.centre_id, by_kind["ticket"])
    leases.record_usage(session, device, [e for e in by_kind["ticket"] if e.type == "ticket.issued"])
    ratings.apply_events(session, device.centre_id, [e for e in by_kind["rating"] if e.type == "rating.recorded"])
    fleet.apply_events(session, device, by_kind["device"])


def record_own(session: Session, device: Device, ev_type: str, payload: dict[str, Any], at: dt.datetime) -> Applied:
    """Stores an event the central makes itself (counter actions over HTTP), for the audit trail."""
    ev = Applied(str(uuid.uuid4()), ev_type, at, payload, device.id)
    session.add(StoredEvent(id=ev.id, centre_id=device.centre_id, device_id=device.id, batch_id=None, type=ev_type,
                            occurred_at=at, corrected_occurred_at=at, received_at=at, payload=payload))
    return ev
