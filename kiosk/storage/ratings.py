"""Ratings and rejected panel presses of a counter device (written with their outbox event)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.storage.base import Base


class Rating(Base):
    """A citizen's rating of one served ticket: one per ticket (unique ticket_id)."""
    __tablename__ = "rating"
    __table_args__ = (Index("ix_rating_counter_rated_at", "counter", "rated_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(String(64), unique=True)
    counter: Mapped[int]
    officer: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))        # very_satisfied | satisfied | unsatisfied
    reason: Mapped[str | None] = mapped_column(String(32))  # unsatisfied only; None: not answered
    # None: no reason asked; "pending" (asked, the rating already stored), "answered", "unanswered"
    reason_state: Mapped[str | None] = mapped_column(String(16))
    raw_key: Mapped[int]
    device: Mapped[str] = mapped_column(String(128))      # panel name + bus address, e.g. "desk:0x83"
    dossier_code: Mapped[str | None] = mapped_column(String(64))
    rated_at: Mapped[dt.datetime]


class RejectedPress(Base):
    """A press that is not a rating: no_request | debounce | already_rated | unknown_key."""
    __tablename__ = "rejected_press"
    __table_args__ = (Index("ix_rejected_press_at", "pressed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    counter: Mapped[int]
    reason: Mapped[str] = mapped_column(String(16))
    raw_key: Mapped[int]
    device: Mapped[str] = mapped_column(String(128))
    pressed_at: Mapped[dt.datetime]
