"""Durable sync state (key/value in the device database), so backoff survives restarts."""
from __future__ import annotations

from sqlalchemy.orm import Session

from kiosk.storage.outbox import SyncState


def get(session: Session, key: str, default: str | None = None) -> str | None:
    row = session.get(SyncState, key)
    return row.value if row is not None else default


def put(session: Session, key: str, value: str) -> None:
    row = session.get(SyncState, key)
    if row is None:
        session.add(SyncState(key=key, value=value))
    else:
        row.value = value
