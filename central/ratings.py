"""Ratings: the projection of rating.recorded and rating.reason events. One rating per ticket
(first one wins) and per dossier (central.dossier_links, checked by central.trust).

A reason may come with the rating or later, in its own rating.reason event (the counter commits
the rating at once and the reason when given). `reason_state` keeps the three cases apart:
NULL = no reason asked (or none received yet), `answered`, `not_answered` (asked, and the
citizen gave none in time or chose "Không muốn trả lời")."""
from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import ForeignKey, Index, String, Table, UniqueConstraint, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from central import bulk, dossier_links, rollups
from central.db import Base
from central.tickets import Applied

ANSWERED, NOT_ANSWERED = "answered", "not_answered"
LEVELS = {"very_satisfied": "Rất hài lòng", "satisfied": "Hài lòng", "unsatisfied": "Không hài lòng"}


class Rating(Base):
    __tablename__ = "ratings"
    # NULL ticket ids are distinct on both dialects, so ticketless ratings are all kept.
    # The period index covers what the reports group by, so they never read the rows.
    __table_args__ = (UniqueConstraint("centre_id", "ticket_id"),
                      Index("ix_ratings_report", "centre_id", "rated_at", "level", "counter", "officer", "service_code"),
                      # the reasons of "unsatisfied" per counter (central.analytics.reasons_by_counter): a year
                      # reads its few thousand entries, not every rating of the year and their rows
                      Index("ix_ratings_unsatisfied", "centre_id", "level", "rated_at", "counter", "reason_state",
                            "reason_code", "reason"))

    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), primary_key=True)
    rating_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ticket_id: Mapped[str | None] = mapped_column(String(64))
    device_id: Mapped[str] = mapped_column(String(36))
    counter: Mapped[int]
    officer: Mapped[str | None] = mapped_column(String(64))
    service_code: Mapped[str | None] = mapped_column(String(16))  # if the device sent it
    level: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(500))
    reason_code: Mapped[str | None] = mapped_column(String(32))
    reason_state: Mapped[str | None] = mapped_column(String(16))  # None, ANSWERED or NOT_ANSWERED
    reason_at: Mapped[dt.datetime | None]
    dossier_code: Mapped[str | None] = mapped_column(String(64))  # the rating's own, normalised
    rated_at: Mapped[dt.datetime]  # corrected for clock skew


def apply_events(session: Session, centre_id: int, events: list[Applied]) -> None:
    if not events:
        return
    rows, links = [], []
    for ev in events:
        p = ev.payload
        reason = p.get("reason")
        code = dossier_links.normalise(p["dossier_code"]) if p.get("dossier_code") else None
        rows.append({"centre_id": centre_id, "rating_id": str(p["rating_id"]), "ticket_id": p["ticket_id"] or None,
                     "device_id": ev.device_id, "counter": int(p["counter"]),
                     "officer": None if p["officer"] is None else str(p["officer"]),
                     "service_code": p.get("service_code"), "level": p["level"],
                     "reason": None if reason is None else str(reason)[:500],
                     "reason_state": None if reason is None else ANSWERED, "reason_code": None,
                     "reason_at": None if reason is None else ev.at, "dossier_code": code, "rated_at": ev.at})
        if code is not None:  # the rated dossier counts as served too ("% of dossiers rated")
            links.append(Applied(ev.id, "ticket.dossier_linked", ev.at,
                                 {"ticket_id": p["ticket_id"] or "", "counter": p["counter"], "officer": p["officer"],
                                  "dossier_code": code}, ev.device_id))
    bulk.insert_new(session, cast(Table, Rating.__table__), list(rows[0]), rows)
    dossier_links.apply_links(session, centre_id, links)
    rollups.forget(session, centre_id, rollups.around(ev.at for ev in events))  # sum those days again


def apply_reasons(session: Session, centre_id: int, events: list[Applied]) -> None:
    """Attaches rating.reason events to their ratings; the first reason of a rating stays."""
    for ev in events:
        p = ev.payload
        answered = bool(p["answered"])
        reason = p.get("reason")
        session.execute(update(Rating).where(
            Rating.centre_id == centre_id, Rating.rating_id == str(p["rating_id"]), Rating.reason_state.is_(None))
            .values(reason_state=ANSWERED if answered else NOT_ANSWERED,
                    reason=None if reason is None or not answered else str(reason)[:500],
                    reason_code=p.get("reason_code") if answered else None, reason_at=ev.at))
