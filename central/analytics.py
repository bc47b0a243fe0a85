"""Report figures computed by the database (GROUP BY over indexed columns), for the API and the web app.

Nothing here loops over the tickets or ratings of a period in Python: the database returns
one row per group. Groupings by local time are summed per UTC hour (hours since the epoch,
at most 24 rows a day) and those buckets are mapped to the centre's local day, hour and
weekday here: exact for every time zone whose offset is a whole number of hours (Việt Nam,
UTC+7). Percentiles come from 15-second histograms of the waiting and service times.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from central.events import StoredEvent
from central.ratings import Rating
from central.tickets import SERVED, Ticket

HIST_STEP_S = 15
SATISFIED_TARGET_PCT = 95.0  # (Rất hài lòng + Hài lòng) / ratings
RATED_TARGET_PCT = 60.0  # ratings / served tickets


@dataclass(frozen=True)
class Period:
    centre_id: int
    tz: ZoneInfo
    start: dt.date  # first local day
    end: dt.date  # last local day, inclusive

    @property
    def lo(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), self.tz)

    @property
    def hi(self) -> dt.datetime:
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), self.tz)


def _sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def seconds_between(session: Session, a: Any, b: Any) -> ColumnElement[Any]:
    """b - a in seconds (NULL when either is NULL)."""
    if _sqlite(session):
        return (func.julianday(b) - func.julianday(a)) * 86400.0
    return func.extract("epoch", b - a)


def utc_hour(session: Session, col: Any) -> ColumnElement[Any]:
    """Whole hours since 1970-01-01 UTC (moments are stored as naive UTC on both dialects)."""
    if _sqlite(session):
        return cast(cast(func.strftime("%s", col), Integer) / 3600, Integer)
    return cast(func.floor(func.extract("epoch", col) / 3600), Integer)


@lru_cache(maxsize=65536)
def local_hour(bucket: int, tz: ZoneInfo) -> dt.datetime:
    """The local start of a UTC-hour bucket."""
    return dt.datetime.fromtimestamp(bucket * 3600, tz)


def rating_levels(session: Session, p: Period, by: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """Rows (*keys, level, count) of the ratings given in the period, grouped by `by`:
    officer, counter, service (the rating's, else its ticket's), hour (UTC-hour bucket)."""
    cols: list[Any] = []
    stmt_from: Any = Rating
    for key in by:
        if key == "officer":
            cols.append(Rating.officer)
        elif key == "counter":
            cols.append(Rating.counter)
        elif key == "service":
            cols.append(func.coalesce(Rating.service_code, Ticket.service_code))
            stmt_from = Rating.__table__.outerjoin(
                Ticket.__table__, and_(Ticket.centre_id == Rating.centre_id, Ticket.ticket_id == Rating.ticket_id))
        elif key == "hour":
            cols.append(utc_hour(session, Rating.rated_at))
        else:
            raise ValueError(key)
    stmt = (select(*cols, Rating.level, func.count()).select_from(stmt_from)
            .where(Rating.centre_id == p.centre_id, Rating.rated_at >= p.lo, Rating.rated_at < p.hi)
            .group_by(*cols, Rating.level))
    return [tuple(r) for r in session.execute(stmt)]


def ticket_figures(session: Session, p: Period, by: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """Rows (*keys, served, wait_sum_s, wait_n, service_sum_s, service_n) of the tickets of the
    period's days that were served or at least called, grouped by `by`: officer, counter,
    service (current queue), day (local, as issued), hour (UTC-hour bucket of the issue)."""
    keys = {"officer": Ticket.officer, "counter": Ticket.counter, "service": Ticket.service_code, "day": Ticket.day}
    cols = [utc_hour(session, Ticket.issued_at) if k == "hour" else keys[k] for k in by]
    wait = seconds_between(session, Ticket.issued_at, Ticket.first_called_at)
    served = Ticket.status == SERVED
    svc = seconds_between(session, Ticket.called_at, Ticket.served_at)
    wait_ok = case((wait >= 0, wait))
    svc_ok = case((and_(served, svc >= 0), svc))
    stmt = (select(*cols, func.sum(case((served, 1), else_=0)), func.sum(wait_ok), func.count(wait_ok),
                   func.sum(svc_ok), func.count(svc_ok))
            .where(Ticket.centre_id == p.centre_id, Ticket.day >= p.start.isoformat(), Ticket.day <= p.end.isoformat(),
                   or_(served, Ticket.first_called_at.is_not(None)))
            .group_by(*cols))
    return [tuple(r) for r in session.execute(stmt)]


def _percentile(hist: list[tuple[int, int]], q: float) -> float | None:
    """q-quantile (minutes) of a sorted 15-second histogram, at the bucket's upper edge."""
    total = sum(n for _, n in hist)
    if not total:
        return None
    need, seen = q * total, 0
    for bucket, n in hist:
        seen += n
        if seen >= need:
            return round((bucket + 1) * HIST_STEP_S / 60, 1)
    return round((hist[-1][0] + 1) * HIST_STEP_S / 60, 1)


def time_percentiles(session: Session, p: Period) -> dict[str, dict[str, Any]]:
    """Per service: waiting (issue to first call) and service (call to done) p50 and p90, minutes."""
    out: dict[str, dict[str, Any]] = {}
    served = Ticket.status == SERVED
    for kind, a, b, cond in (("wait", Ticket.issued_at, Ticket.first_called_at, Ticket.first_called_at.is_not(None)),
                             ("service", Ticket.called_at, Ticket.served_at, served)):
        secs = seconds_between(session, a, b)
        bucket = cast(func.floor(secs / HIST_STEP_S), Integer)
        stmt = (select(Ticket.service_code, bucket, func.count())
                .where(Ticket.centre_id == p.centre_id, Ticket.day >= p.start.isoformat(),
                       Ticket.day <= p.end.isoformat(), cond, secs >= 0)
                .group_by(Ticket.service_code, bucket).order_by(Ticket.service_code, bucket))
        hists: dict[str, list[tuple[int, int]]] = {}
        for service, b_, n in session.execute(stmt):
            hists.setdefault(service or "-", []).append((int(b_), int(n)))
        for service, hist in hists.items():
            row = out.setdefault(service, {})
            row[f"{kind}_n"] = sum(n for _, n in hist)
            row[f"{kind}_p50"], row[f"{kind}_p90"] = _percentile(hist, 0.5), _percentile(hist, 0.9)
    return out


def unsatisfied_reasons(session: Session, p: Period) -> list[tuple[str | None, int]]:
    stmt = (select(Rating.reason, func.count()).where(
        Rating.centre_id == p.centre_id, Rating.rated_at >= p.lo, Rating.rated_at < p.hi,
        Rating.level == "unsatisfied").group_by(Rating.reason).order_by(func.count().desc(), Rating.reason))
    return [(r, int(n)) for r, n in session.execute(stmt)]


def rejected_presses(session: Session, p: Period) -> list[tuple[int | None, str | None, int]]:
    """(counter, reason, count) of rating.rejected_press events (double presses, spam, no ticket)."""
    counter = StoredEvent.payload["counter"].as_integer()
    reason = StoredEvent.payload["reason"].as_string()
    stmt = (select(counter, reason, func.count()).where(
        StoredEvent.centre_id == p.centre_id, StoredEvent.type == "rating.rejected_press",
        StoredEvent.corrected_occurred_at >= p.lo, StoredEvent.corrected_occurred_at < p.hi)
        .group_by(counter, reason).order_by(counter, reason))
    return [(c, r, int(n)) for c, r, n in session.execute(stmt)]


def good_total(levels: dict[str, int]) -> tuple[int, int]:
    return levels.get("very_satisfied", 0) + levels.get("satisfied", 0), sum(levels.values())


def heatmap(session: Session, p: Period) -> dict[tuple[int, int], dict[str, int]]:
    """(ISO weekday 1-7, local hour 0-23) -> rating levels counted there."""
    cells: dict[tuple[int, int], dict[str, int]] = {}
    for bucket, level, n in rating_levels(session, p, ("hour",)):
        local = local_hour(int(bucket), p.tz)
        cell = cells.setdefault((local.isoweekday(), local.hour), {})
        cell[level] = cell.get(level, 0) + int(n)
    return cells


def weekly(session: Session, p: Period) -> list[dict[str, Any]]:
    """Per local ISO week (by its Monday): ratings, satisfied, served tickets."""
    weeks: dict[dt.date, dict[str, Any]] = {}

    def week(day: dt.date) -> dict[str, Any]:
        monday = day - dt.timedelta(days=day.weekday())
        return weeks.setdefault(monday, {"week": monday, "total": 0, "good": 0, "served": 0})

    for bucket, level, n in rating_levels(session, p, ("hour",)):
        w = week(local_hour(int(bucket), p.tz).date())
        w["total"] += int(n)
        w["good"] += int(n) if level in ("very_satisfied", "satisfied") else 0
    for day, served, *_ in ticket_figures(session, p, ("day",)):
        if day:
            week(dt.date.fromisoformat(day))["served"] += int(served or 0)
    out = [weeks[k] for k in sorted(weeks)]
    for w in out:
        w["satisfaction_pct"] = round(100 * w["good"] / w["total"], 1) if w["total"] else None
        w["response_rate_pct"] = round(100 * w["total"] / w["served"], 1) if w["served"] else None
    return out
