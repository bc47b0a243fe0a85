"""The live monitor: waiting and served per service, what each counter is doing; polled every few seconds."""
from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.auth import get_db
from central.centres import CentreRow, doc_of
from central.db import Database, utc_now
from central.officers import CounterOfficer
from central.queue import today
from central.tickets import CALLED, SERVED, WAITING, Ticket
from central.web.common import chosen_centre, layout, signed_in
from central.web.render import page
from central.web.security import Viewer

router = APIRouter(include_in_schema=False)
POLL_S = 5


def live(s: Session, centre: CentreRow, now: dt.datetime | None = None) -> dict[str, Any]:
    """Today's queue of a centre in three grouped queries."""
    now = now or utc_now()
    doc = doc_of(centre)
    day = today(doc, now)
    base = (Ticket.centre_id == centre.id, Ticket.day == day)
    by_status: dict[tuple[str | None, str | None], tuple[int, Any]] = {
        (svc, st): (int(n), oldest) for svc, st, n, oldest in s.execute(
            select(Ticket.service_code, Ticket.status, func.count(), func.min(Ticket.queued_at))
            .where(*base).group_by(Ticket.service_code, Ticket.status))}
    services = []
    for sv in doc.config.services:
        waiting, oldest = by_status.get((sv.code, WAITING), (0, None))
        longest = (now - oldest).total_seconds() / 60 if oldest else None
        services.append({"code": sv.code, "name": sv.name, "waiting": waiting, "longest_min": longest,
                         "served": by_status.get((sv.code, SERVED), (0, None))[0],
                         "calling": by_status.get((sv.code, CALLED), (0, None))[0]})
    served = dict(s.execute(select(Ticket.counter, func.count()).where(*base, Ticket.status == SERVED)
                            .group_by(Ticket.counter)).all())
    current = {t.counter: t for t in s.scalars(select(Ticket).where(*base, Ticket.status == CALLED)
                                                .order_by(Ticket.called_at))}
    officers = {o.code: o for o in doc.config.officers}
    # Who signed in at each counter (officer.session events); the configured officer otherwise.
    sessions = {r.counter: r for r in s.scalars(select(CounterOfficer).where(CounterOfficer.centre_id == centre.id))}
    counters = []
    for c in doc.config.counters:
        t = current.get(c.number)
        signed = sessions.get(c.number)
        code = (t.officer if t and t.officer else None) or (signed.officer if signed else c.officer)
        counters.append({"number": c.number, "officer": officers[code].name if code in officers else (code or "—"),
                         "ticket": t.display_number if t else None, "since": t.called_at if t else None,
                         "on_break": bool(signed and signed.officer and signed.on_break),
                         "signed_out": bool(signed and not signed.officer),
                         "served": int(served.get(c.number, 0)), "services": c.services})
    return {"day": day, "services": services, "counters": counters, "updated_at": now}


def _ctx(request: Request, db: Database, viewer: Viewer) -> dict[str, Any]:
    with db.transaction() as s:
        centre = chosen_centre(s, viewer, request.query_params.get("centre"))
        ctx = layout(s, viewer, centre, "monitor")
        ctx["live"] = live(s, centre) if centre else None
    ctx["poll_s"] = POLL_S
    return ctx


@router.get("/monitor")
def monitor(request: Request, viewer: Viewer = Depends(signed_in), db: Database = Depends(get_db)) -> Response:
    return page(request, "monitor.html", _ctx(request, db, viewer))


@router.get("/monitor/live")
def monitor_live(request: Request, viewer: Viewer = Depends(signed_in), db: Database = Depends(get_db)) -> Response:
    """The monitor's body alone, fetched by static/js/monitor.js every POLL_S seconds."""
    return page(request, "_monitor_live.html", _ctx(request, db, viewer))
