from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.storage.base import Base


class OutboxEvent(Base):
    """An event waiting to reach the central system, written in the same transaction as the
    domain change it describes; `seq` keeps the sending order."""
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "seq"),)

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[dt.datetime]
    payload: Mapped[str] = mapped_column(Text)  # JSON
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[dt.datetime | None]


class DeadLetter(Base):
    """An event the central refused for good (a 4xx that retrying cannot fix)."""
    __tablename__ = "dead_letter"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[dt.datetime]
    payload: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    failed_at: Mapped[dt.datetime]


class SyncState(Base):
    """Small durable key/value state of the sync (backoff, last contact, config ETag)."""
    __tablename__ = "sync_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
