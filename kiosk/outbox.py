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
