"""A counter's durable state (its current ticket, paused or not) and the cached queue that
lets an officer call a typed number while the central is unreachable."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.storage.base import Base


class CounterState(Base):
    """One row per counter run by this device; ticket_* are None when it serves nobody;
    `paused` is also an officer's break."""
    __tablename__ = "counter_state"

    counter: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    paused: Mapped[bool] = mapped_column(default=False)
    ticket_id: Mapped[str | None] = mapped_column(String(64))
    display_number: Mapped[str | None] = mapped_column(String(16))
    service_code: Mapped[str | None] = mapped_column(String(16))
    officer: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(16))  # "central" (HTTP) | "offline" (outbox events)
    called_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime]
    # The officer signed in at this counter (kiosk.counter.officers); None: nobody signed in.
    signed_in: Mapped[str | None] = mapped_column(String(64))
    signed_in_at: Mapped[dt.datetime | None]


class QueueEntry(Base):
    """A waiting ticket as the central last listed it (GET /api/v1/queue)."""
    __tablename__ = "queue_entry"
    __table_args__ = (Index("ix_queue_entry_day_number", "day", "display_number"),)

    ticket_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[str] = mapped_column(String(10))
    display_number: Mapped[str] = mapped_column(String(16))
    service_code: Mapped[str] = mapped_column(String(16))
    fetched_at: Mapped[dt.datetime]
