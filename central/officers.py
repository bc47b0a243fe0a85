"""Who is signed in at each counter: the projection of officer.session events (issue 14).

The counter decides sign-in locally (it works offline) and reports each change as an
`officer.session` event; the central keeps the latest state per counter here. When the centre
requires sign-in (centre.require_sign_in), counter actions with no officer are refused: HTTP
calls name the officer signed in at the counter (or the central's state does), and events that
carry an `officer` field must name a configured officer (central.trust).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from central.db import Base
from central.tickets import Applied


class CounterOfficer(Base):
    __tablename__ = "counter_officers"

    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), primary_key=True)
    counter: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    officer: Mapped[str | None] = mapped_column(String(64))   # None: nobody signed in
    on_break: Mapped[bool] = mapped_column(default=False)
    since: Mapped[dt.datetime]                                 # the latest event's (corrected) time
    device_id: Mapped[str] = mapped_column(String(36))


def apply_events(session: Session, centre_id: int, events: list[Applied]) -> None:
    """Latest event per counter wins (by its time): events delivered late never undo newer ones."""
    for ev in sorted(events, key=lambda e: e.at):
        p = ev.payload
        counter, officer, action = int(p["counter"]), str(p["officer"]), p["action"]
        row = session.get(CounterOfficer, (centre_id, counter))
        if row is not None and row.since > ev.at:
            continue
        if action == "sign_in":
            # moving: the officer leaves any other counter of the centre
            for other in session.query(CounterOfficer).filter(CounterOfficer.centre_id == centre_id,
                                                               CounterOfficer.officer == officer,
                                                               CounterOfficer.counter != counter):
                if other.since <= ev.at:
                    other.officer, other.on_break, other.since = None, False, ev.at
        if row is None:
            row = CounterOfficer(centre_id=centre_id, counter=counter, officer=None, on_break=False, since=ev.at,
                                 device_id=ev.device_id)
            session.add(row)
        if action == "sign_in":
            row.officer, row.on_break = officer, False
        elif action == "sign_out":
            if row.officer in (None, officer):
                row.officer, row.on_break = None, False
        else:
            row.on_break = action == "break"
        row.since, row.device_id = ev.at, ev.device_id
    session.flush()


def signed_in(session: Session, centre_id: int, counter: int) -> str | None:
    row = session.get(CounterOfficer, (centre_id, counter))
    return row.officer if row is not None else None
