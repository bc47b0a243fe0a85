"""Ratings: the projection of rating.recorded events. One rating per ticket (first one wins)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, Session, mapped_column

from central import rollups
from central.db import Base, dialect_insert
from central.tickets import Applied

LEVELS = {"very_satisfied": "Rất hài lòng", "satisfied": "Hài lòng", "unsatisfied": "Không hài lòng"}


class Rating(Base):
    __tablename__ = "ratings"
    # NULL ticket ids are distinct on both dialects, so ticketless ratings are all kept.
    # The period index covers what the reports group by, so they never read the rows.
    __table_args__ = (UniqueConstraint("centre_id", "ticket_id"),
                      Index("ix_ratings_report", "centre_id", "rated_at", "level", "counter", "officer", "service_code"))

    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), primary_key=True)
    rating_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ticket_id: Mapped[str | None] = mapped_column(String(64))
    device_id: Mapped[str] = mapped_column(String(36))
    counter: Mapped[int]
    officer: Mapped[str | None] = mapped_column(String(64))
    service_code: Mapped[str | None] = mapped_column(String(16))  # if the device sent it
    level: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(500))
    rated_at: Mapped[dt.datetime]  # corrected for clock skew


def apply_events(session: Session, centre_id: int, events: list[Applied]) -> None:
    if not events:
        return
    rows = []
    for ev in events:
        p = ev.payload
        reason = p.get("reason")
        rows.append({"centre_id": centre_id, "rating_id": str(p["rating_id"]), "ticket_id": p["ticket_id"] or None,
                     "device_id": ev.device_id, "counter": int(p["counter"]),
                     "officer": None if p["officer"] is None else str(p["officer"]),
                     "service_code": p.get("service_code"), "level": p["level"],
                     "reason": None if reason is None else str(reason)[:500], "rated_at": ev.at})
    session.connection().execute(dialect_insert(session, Rating.__table__).on_conflict_do_nothing(), rows)
    rollups.forget(session, centre_id, rollups.around(ev.at for ev in events))  # sum those days again
