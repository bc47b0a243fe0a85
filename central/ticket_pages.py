"""The citizen's ticket page (`/t/<token>`): which ticket a token names, and what its page shows.

Each centre has a ticket key (kiosk.contract.ticket_page); its kiosks receive it at enrolment and
sign their tickets' tokens with it, online or not. A token under a revoked key names nothing.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from central import queue
from central.centres import CentreRow, doc_of
from central.db import Base, utc_now
from central.ratings import Rating
from central.ratings import apply_events as apply_ratings
from central.tickets import SERVED, Applied, Ticket
from kiosk.contract.queue import estimated_wait_minutes
from kiosk.contract.ticket_page import new_key, ticket_of


class TicketKey(Base):
    __tablename__ = "ticket_keys"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]


def current_key(session: Session, centre_id: int) -> str:
    """The centre's active ticket key (made on first use)."""
    row = session.scalar(select(TicketKey).where(TicketKey.centre_id == centre_id, TicketKey.revoked_at.is_(None))
                         .order_by(TicketKey.id.desc()).limit(1))
    if row is None:
        row = TicketKey(centre_id=centre_id, key=new_key(), created_at=utc_now())
        session.add(row)
        session.flush()
    return row.key


def rotate_key(session: Session, centre_id: int) -> str:
    """Revokes the centre's keys (their tokens stop working) and makes a new one."""
    now = utc_now()
    for row in session.scalars(select(TicketKey).where(TicketKey.centre_id == centre_id,
                                                       TicketKey.revoked_at.is_(None))):
        row.revoked_at = now
    session.flush()
    return current_key(session, centre_id)


@dataclass(frozen=True)
class TicketRef:
    centre_id: int
    ticket_id: str


def resolve(session: Session, token: str) -> TicketRef | None:
    """The ticket a token names, under an active key of some centre (None: unknown or revoked)."""
    if not token or len(token) > 64:
        return None
    for row in session.scalars(select(TicketKey).where(TicketKey.revoked_at.is_(None))):
        ticket_id = ticket_of(token, row.key)
        if ticket_id is not None:
            return TicketRef(row.centre_id, ticket_id)
    return None


def state(session: Session, ref: TicketRef) -> dict[str, Any]:
    """What the page shows. `known` False: the kiosk has not synced the ticket yet ("đang cập nhật")."""
    centre = session.get(CentreRow, ref.centre_id)
    assert centre is not None
    doc = doc_of(centre)
    base: dict[str, Any] = {"centre": doc.config.centre.name, "centre_code": centre.code,
                            "server_time": utc_now().isoformat(), "ticket_id": ref.ticket_id}
    t = session.get(Ticket, (ref.centre_id, ref.ticket_id))
    if t is None or t.display_number is None:
        return {**base, "known": False}
    names = {s.code: s.name for s in doc.config.services}
    out = {**base, "known": True, "display_number": t.display_number, "day": t.day,
           "service_code": t.service_code, "service": names.get(t.service_code or "", t.service_code),
           "status": t.status, "counter": t.counter, "today": t.day == queue.today(doc),
           "ahead": None, "estimate_minutes": None}
    if t.status == queue.WAITING and t.service_code and out["today"]:
        view = queue.queue_view(session, centre, t.service_code, t.day)
        ids = [w["ticket_id"] for w in view["waiting"]]
        ahead = ids.index(t.ticket_id) if t.ticket_id in ids else len(ids)
        service = next((s for s in queue.summary(session, centre, t.day).services if s.service_code == t.service_code),
                       None)
        minutes = next((s.average_service_minutes for s in doc.config.services if s.code == t.service_code), 10.0)
        out["ahead"] = ahead
        out["estimate_minutes"] = estimated_wait_minutes(ahead, minutes, service.open_counters if service else 1)
    rated = session.scalar(select(Rating.level).where(Rating.centre_id == ref.centre_id,
                                                      Rating.ticket_id == ref.ticket_id))
    out["rated"] = rated
    out["can_rate"] = rated is None and t.status == SERVED and out["today"] and t.counter is not None
    out["reasons"] = list(doc.config.reason_codes()) + ["other"] if out["can_rate"] else []
    return out


LEVELS = ("very_satisfied", "satisfied", "unsatisfied")
PHONE = "ticket-page"  # the ratings' device: the citizen's phone through the ticket page


class RatingRefused(Exception):
    """Why a rating from the ticket page is not stored (a msgid-like code for the page)."""


def rate(session: Session, ref: TicketRef, level: str, reason: str | None, now: dt.datetime | None = None) -> None:
    """The citizen's rating of a served ticket, with the counter's rules: one per ticket (the first
    wins, from the counter or the phone), a reason for "Không hài lòng", the same day."""
    now = now or utc_now()
    info = state(session, ref)
    if not info.get("known") or not info.get("can_rate"):
        raise RatingRefused("already_rated" if info.get("rated") else "not_served")
    if level not in LEVELS:
        raise RatingRefused("bad_level")
    if level == "unsatisfied" and (not reason or reason not in info["reasons"]):
        raise RatingRefused("reason_needed")
    t = session.get(Ticket, (ref.centre_id, ref.ticket_id))
    assert t is not None and t.counter is not None
    rating_id = f"phone-{ref.ticket_id}"
    payload = {"rating_id": rating_id, "ticket_id": ref.ticket_id, "counter": t.counter, "officer": t.officer,
               "level": level, "reason": reason if level == "unsatisfied" else None, "service_code": t.service_code}
    apply_ratings(session, ref.centre_id, [Applied(rating_id, "rating.recorded", now, payload, PHONE, received=now)])
