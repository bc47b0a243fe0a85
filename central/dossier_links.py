"""The dossiers served at the counters (ticket.dossier_linked) and one rating per dossier.

A counter links each dossier it served to the ticket being served (the officer scans the
receipt); a rating of that ticket then covers every dossier linked to it, plus the rating's own
`dossier_code`. `rated_dossiers` holds one row per dossier with the rating that took it: its
primary key is what makes "one rating per dossier" hold when two counters rate the same dossier
at the same moment (central.trust claims the rows before the rating is stored).
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from sqlalchemy import ForeignKey, Index, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from central import bulk
from central.db import Base, dialect_insert, utc_now
from central.tickets import Applied
from kiosk.contract.dossier import parse_code, squeeze


class DossierLink(Base):
    """A dossier served while serving a ticket: who, where, when. Once per (ticket, dossier)."""
    __tablename__ = "dossier_links"
    __table_args__ = (Index(None, "centre_id", "linked_at"), Index(None, "centre_id", "dossier_code"))

    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    dossier_code: Mapped[str] = mapped_column(String(64), primary_key=True)  # normalised (parse_code)
    counter: Mapped[int]
    officer: Mapped[str | None] = mapped_column(String(64))
    device_id: Mapped[str] = mapped_column(String(36))
    event_id: Mapped[str] = mapped_column(String(64))
    linked_at: Mapped[dt.datetime]  # corrected for clock skew


class RatedDossier(Base):
    """The rating that took a dossier: at most one per dossier and centre."""
    __tablename__ = "rated_dossiers"
    __table_args__ = (Index(None, "centre_id", "rating_id"),)

    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), primary_key=True)
    dossier_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    rating_id: Mapped[str] = mapped_column(String(64))
    counter: Mapped[int]
    claimed_at: Mapped[dt.datetime]  # when the central took it (its own clock)


def normalise(code: str) -> str | None:
    """The stored form of a dossier code, or None when it is not one."""
    parsed = parse_code(code)
    return parsed.code if parsed else None


def foreign_agency(code: str, centre_code: str) -> str | None:
    """The code's agency when it is not the centre's own (the code embeds its agency), else None."""
    parsed = parse_code(code)
    if parsed is None:
        return None
    return parsed.agency if parsed.agency != squeeze(centre_code) else None


def linked_codes(session: Session, centre_id: int, ticket_ids: Iterable[str]) -> dict[str, set[str]]:
    """ticket id -> the dossier codes linked to it (stored before this batch)."""
    ids = sorted(set(ticket_ids))
    out: dict[str, set[str]] = {}
    for start in range(0, len(ids), 1000):
        for tid, code in session.execute(select(DossierLink.ticket_id, DossierLink.dossier_code).where(
                DossierLink.centre_id == centre_id, bulk.among(session, DossierLink.ticket_id, ids[start:start + 1000]))):
            out.setdefault(tid, set()).add(code)
    return out


def claim(session: Session, centre_id: int, rating_id: str, counter: int,
          codes: Iterable[str]) -> str | None:
    """Takes every dossier in codes for this rating, all or none. Returns the first dossier that
    another rating holds (nothing is taken then), else None. On PostgreSQL a concurrent claim of
    the same dossier waits for the other transaction and then sees its row."""
    wanted = sorted(set(codes))  # sorted: concurrent claims lock in the same order
    if not wanted:
        return None
    table = RatedDossier.__table__
    now = utc_now()
    rows = [{"centre_id": centre_id, "dossier_code": c, "rating_id": rating_id, "counter": counter, "claimed_at": now}
            for c in wanted]
    session.connection().execute(dialect_insert(session, table).on_conflict_do_nothing(), rows)
    holders = dict(session.execute(select(table.c.dossier_code, table.c.rating_id).where(
        table.c.centre_id == centre_id, table.c.dossier_code.in_(wanted))).all())
    taken = [c for c in wanted if holders.get(c) != rating_id]
    if taken:
        session.execute(delete(RatedDossier).where(
            RatedDossier.centre_id == centre_id, RatedDossier.rating_id == rating_id,
            RatedDossier.dossier_code.in_(wanted)))
        return taken[0]
    return None


def apply_links(session: Session, centre_id: int, events: list[Applied]) -> None:
    """Stores accepted ticket.dossier_linked events (a repeat of the same pair is kept once)."""
    rows = []
    for ev in events:
        p = ev.payload
        code = normalise(str(p["dossier_code"]))
        if code is None:  # refused by central.trust before; never stored unparsed
            continue
        rows.append({"centre_id": centre_id, "ticket_id": str(p["ticket_id"]), "dossier_code": code,
                     "counter": int(p["counter"]), "officer": None if p["officer"] is None else str(p["officer"]),
                     "device_id": ev.device_id, "event_id": ev.id, "linked_at": ev.at})
    if rows:
        session.connection().execute(dialect_insert(session, DossierLink.__table__).on_conflict_do_nothing(), rows)
