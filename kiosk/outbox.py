"""The transactional outbox: events are added in the caller's transaction, never on their own."""
from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.contract.events import Event
from kiosk.storage.outbox import DeadLetter, OutboxEvent


def add_event(session: Session, event: Event) -> None:
    session.add(OutboxEvent(event_id=event.id, type=event.type, occurred_at=event.occurred_at,
                            payload=json.dumps(event.payload_json(), ensure_ascii=False, separators=(",", ":"))))


def pending_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.sent_at.is_(None))) or 0


def dead_letter_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(DeadLetter)) or 0


def forget_phones(session: Session, today: str) -> int:
    """Drops the citizen's number from the kiosk's copies of ticket.issued (docs/notify.md): from an
    outbox row once the central has it, and from any row or dead letter of a day before `today`
    (the central purges it then too). Returns how many copies lost their number."""
    forgotten = 0
    rows: list[OutboxEvent | DeadLetter] = [
        *session.scalars(select(OutboxEvent).where(OutboxEvent.type == "ticket.issued",
                                                   OutboxEvent.payload.like('%"phone":%'))),
        *session.scalars(select(DeadLetter).where(DeadLetter.type == "ticket.issued",
                                                  DeadLetter.payload.like('%"phone":%')))]
    for row in rows:
        payload = json.loads(row.payload)
        synced = isinstance(row, OutboxEvent) and row.sent_at is not None
        if "phone" in payload and (synced or str(payload.get("day", "")) < today):
            del payload["phone"]
            row.payload = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
            forgotten += 1
    session.flush()
    return forgotten
