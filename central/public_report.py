"""The public satisfaction figures of a centre (`/cong-khai/<centre>`): % satisfied and the number of
ratings by service and by counter, for the current month and year (the centre's local time).
Aggregates only: no ticket, reason or time of a single rating is published."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from central.centres import CentreRow, doc_of
from central.db import utc_now
from central.ratings import Rating
from central.tickets import Ticket

SATISFIED = ("very_satisfied", "satisfied")


@dataclass(frozen=True)
class Row:
    key: str          # service code or counter number
    label: str        # service name; for a counter, its officer's name when the centre publishes them
    ratings: int
    satisfied: int

    @property
    def percent(self) -> float | None:
        return 100.0 * self.satisfied / self.ratings if self.ratings else None


@dataclass(frozen=True)
class Period:
    name: str          # "month" | "year"
    start: dt.date
    end: dt.date       # today
    total: Row
    services: list[Row]
    counters: list[Row]


def _bounds(tz: ZoneInfo, today: dt.date, kind: str) -> tuple[dt.date, dt.datetime]:
    start = today.replace(day=1) if kind == "month" else today.replace(month=1, day=1)
    return start, dt.datetime.combine(start, dt.time(), tz).astimezone(dt.timezone.utc)


def periods(session: Session, centre: CentreRow, now: dt.datetime | None = None) -> list[Period]:
    doc = doc_of(centre)
    config = doc.config
    tz = ZoneInfo(config.centre.timezone)
    today = (now or utc_now()).astimezone(tz).date()
    services = {s.code: s.name for s in config.services}
    officers = {o.code: o.name for o in config.officers}
    by_counter_officer = {c.number: c.officer for c in config.counters}
    named = doc.reports.name_officers
    satisfied = func.sum(case((Rating.level.in_(SATISFIED), 1), else_=0))
    service = func.coalesce(Rating.service_code, Ticket.service_code)
    base = (select(func.count(), satisfied).select_from(Rating)
            .outerjoin(Ticket, and_(Ticket.centre_id == Rating.centre_id, Ticket.ticket_id == Rating.ticket_id)))
    out = []
    for kind in ("month", "year"):
        start, since = _bounds(tz, today, kind)
        where = (Rating.centre_id == centre.id, Rating.rated_at >= since)
        n, ok = session.execute(base.where(*where)).one()
        total = Row("", "", int(n or 0), int(ok or 0))
        rows_s = [Row(code or "", services.get(code or "", code or "—"), int(n), int(ok or 0)) for code, n, ok in
                  session.execute(base.add_columns(service).where(*where).group_by(service)
                                  .with_only_columns(service, func.count(), satisfied)).all()]
        rows_c = []
        for number, n, ok in session.execute(base.where(*where).group_by(Rating.counter)
                                             .with_only_columns(Rating.counter, func.count(), satisfied)).all():
            officer = by_counter_officer.get(number)
            label = officers[officer] if named and officer in officers else ""  # the officer's name, if allowed
            rows_c.append(Row(str(number), label, int(n), int(ok or 0)))
        order = list(services)
        rows_s.sort(key=lambda r: (order.index(r.key) if r.key in order else len(order), r.label))
        rows_c.sort(key=lambda r: int(r.key))
        out.append(Period(kind, start, today, total, rows_s, rows_c))
    return out


def as_json(ps: list[Period]) -> dict[str, Any]:
    def row(r: Row) -> dict[str, Any]:
        return {"key": r.key, "label": r.label, "ratings": r.ratings, "satisfied": r.satisfied,
                "percent_satisfied": None if r.percent is None else round(r.percent, 1)}
    return {p.name: {"from": p.start.isoformat(), "to": p.end.isoformat(), "total": row(p.total),
                     "services": [row(r) for r in p.services], "counters": [row(r) for r in p.counters]} for p in ps}
