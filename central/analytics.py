"""Report figures computed by the database (GROUP BY over indexed columns), for the API and the web app.

Nothing here loops over the tickets or ratings of a period in Python: the database returns
one row per group. Groupings by local time are summed per UTC hour (hours since the epoch,
at most 24 rows a day) and those buckets are mapped to the centre's local day, hour and
weekday here: exact for every time zone whose offset is a whole number of hours (Việt Nam,
UTC+7). Percentiles come from 15-second histograms of the waiting and service times, kept per
closed month (central.rollups.DurationHistogram) so that a year adds up a few thousand rows.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, case, cast, delete, func, insert, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from central.db import Database
from central.dossier_links import DossierLink, RatedDossier
from central.events import StoredEvent
from central.ratings import Rating
from central.rollups import DurationHistogram, HistogramMonth, RatingRollup, RollupDay, TicketRollup
from central.tickets import SERVED, Ticket
from kiosk.contract.sqlstore import READ_ONLY

HIST_STEP_S = 15
SATISFIED_TARGET_PCT = 95.0  # (Rất hài lòng + Hài lòng) / ratings
RATED_TARGET_PCT = 60.0  # ratings / served tickets


@dataclass(frozen=True)
class Period:
    centre_id: int
    tz: ZoneInfo
    start: dt.date  # first local day
    end: dt.date  # last local day, inclusive
    today: dt.date | None = None  # the centre's today (None: from the clock); days before it are closed

    @property
    def first_open_day(self) -> dt.date:
        return self.today or dt.datetime.now(self.tz).date()

    def part(self, start: dt.date, end: dt.date) -> "Period":
        return Period(self.centre_id, self.tz, start, end, self.today)

    @property
    def lo(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), self.tz)

    @property
    def hi(self) -> dt.datetime:
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), self.tz)


class RollupsMissing(RuntimeError):
    """A report read in a read-only transaction met closed days (or months) without their sums:
    read_report builds them in short writes of their own, then reads again."""

    def __init__(self, centre_id: int, period: "Period | None" = None, months: tuple[str, ...] = ()) -> None:
        super().__init__(f"centre {centre_id}: closed days or months without their sums")
        self.centre_id, self.period, self.months = centre_id, period, months


def _read_only(session: Session) -> bool:
    return bool(session.connection().get_execution_options().get(READ_ONLY))


T = TypeVar("T")


def read_report(db: Database, work: Callable[[Session], T], attempts: int = 4) -> T:
    """work(session) in a read-only transaction: on SQLite it takes no write lock, so a long report
    never holds up call-next. Sums it finds missing (days closed since the last report, days a
    late event reopened) are built first, each chunk in a short write of its own."""
    for _ in range(attempts):
        try:
            with db.reading() as s:
                return work(s)
        except RollupsMissing as missing:
            build_missing(db, missing)
    with db.transaction() as s:  # late events keep reopening days: sum them in this one write
        return work(s)


def build_missing(db: Database, missing: RollupsMissing, chunk_days: int | None = None) -> None:
    """Sums what a read-only report lacked, in writes of their own: on SQLite (one writer) a week
    of days or one month of histograms per write (a year after an import: ~50 short writes, not
    one of seconds); PostgreSQL's writers do not wait for it, so its days go in one write."""
    p = missing.period
    if chunk_days is None:
        chunk_days = 7 if db.engine.dialect.name == "sqlite" else 366
    if p is not None:
        day = p.start
        first = _first_day_with_rows(db, p.centre_id)
        if first is None or first > p.start:  # days before any ticket or rating: one write, nothing to sum
            last = p.end if first is None else min(p.end, first - dt.timedelta(days=1))
            with db.transaction() as s:
                ensure_rollups(s, p.part(day, last))
            day = last + dt.timedelta(days=1)
        while day <= p.end:
            last = min(p.end, day + dt.timedelta(days=chunk_days - 1))
            with db.transaction() as s:
                ensure_rollups(s, p.part(day, last))
            day = last + dt.timedelta(days=1)
    for month in missing.months:
        with db.transaction() as s:
            ensure_histograms(s, missing.centre_id, [month])


def _first_day_with_rows(db: Database, centre_id: int) -> dt.date | None:
    """The earliest local day that may hold a ticket or a rating of the centre (a day early for the
    ratings' UTC moments), None when it has none."""
    with db.reading() as s:
        ticket_day = s.scalar(select(func.min(Ticket.day)).where(Ticket.centre_id == centre_id))
        rated_at = s.scalar(select(func.min(Rating.rated_at)).where(Rating.centre_id == centre_id))
    days = [dt.date.fromisoformat(ticket_day)] if ticket_day else []
    if rated_at is not None:
        days.append(rated_at.date() - dt.timedelta(days=1))
    return min(days) if days else None


def _sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def utc_hour(session: Session, col: Any) -> ColumnElement[Any]:
    """Whole hours since 1970-01-01 UTC (moments are stored as naive UTC on both dialects)."""
    if _sqlite(session):  # julianday is the cheapest date function; rounded to whole seconds first
        return cast(func.round((func.julianday(col) - 2440587.5) * 86400.0), Integer) // 3600
    return cast(func.floor(func.extract("epoch", col) / 3600), Integer)


def step_bucket(session: Session, col: Any, step: int) -> ColumnElement[Any]:
    """floor(col / step) for a non-negative number (CAST truncates on SQLite, rounds on PostgreSQL)."""
    if _sqlite(session):
        return cast(col / step, Integer)
    return cast(func.floor(col / step), Integer)


@lru_cache(maxsize=65536)
def local_hour(bucket: int, tz: ZoneInfo) -> dt.datetime:
    """The local start of a UTC-hour bucket."""
    return dt.datetime.fromtimestamp(bucket * 3600, tz)


def rating_levels(session: Session, p: Period, by: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """Rows (*keys, level, count) of the ratings given in the period, grouped by `by` (at most one of
    officer, counter, service (the rating's, else its ticket's), hour (UTC-hour bucket)):
    closed days from their daily sums (central.rollups), today from the ratings themselves."""
    if len(by) > 1:
        return _rating_levels(session, p, by)
    out: dict[tuple[Any, ...], int] = {}
    closed_to = min(p.end, p.first_open_day - dt.timedelta(days=1))
    if p.start <= closed_to:
        ensure_rollups(session, p.part(p.start, closed_to))
        dim = by[0] if by else "day"  # the whole day: 3 rows a day
        stmt = (select(RatingRollup.key, RatingRollup.level, func.sum(RatingRollup.n))
                .where(RatingRollup.centre_id == p.centre_id, RatingRollup.day >= p.start.isoformat(),
                       RatingRollup.day <= closed_to.isoformat(), RatingRollup.dim == dim)
                .group_by(RatingRollup.key, RatingRollup.level))
        for key, level, n in session.execute(stmt):
            rk: tuple[Any, ...] = (_decode(dim, key), level) if by else (level,)
            out[rk] = out.get(rk, 0) + int(n)
    if p.end >= p.first_open_day:
        for row in _rating_levels(session, p.part(max(p.start, p.first_open_day), p.end), by):
            out[row[:-1]] = out.get(row[:-1], 0) + int(row[-1])
    return [(*k, n) for k, n in out.items()]


def _rating_levels(session: Session, p: Period, by: tuple[str, ...],
                   named_ticket: bool = False) -> list[tuple[Any, ...]]:
    """rating_levels summed from the ratings themselves (any number of keys); named_ticket: only
    the ratings that name their ticket."""
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
    if named_ticket:
        stmt = stmt.where(Rating.ticket_id.is_not(None))
    return [tuple(r) for r in session.execute(stmt)]


def ticket_figures(session: Session, p: Period, by: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """Rows (*keys, served, wait_sum_s, wait_n, service_sum_s, service_n) of the tickets of the
    period's days that were served or at least called, grouped by `by` (at most one of officer,
    counter, service (current queue), day (local, as issued), hour (UTC-hour bucket of the
    issue)): closed days from their daily sums, today from the tickets themselves."""
    if len(by) > 1:
        return _ticket_figures(session, p, by)
    out: dict[tuple[Any, ...], list[float]] = {}

    def add(k: tuple[Any, ...], figures: Any) -> None:
        acc = out.setdefault(k, [0, 0.0, 0, 0.0, 0])
        for i, v in enumerate(figures):
            acc[i] += v or 0

    closed_to = min(p.end, p.first_open_day - dt.timedelta(days=1))
    if p.start <= closed_to:
        ensure_rollups(session, p.part(p.start, closed_to))
        dim = by[0] if by else "day"
        r = TicketRollup
        stmt = (select(r.key, func.sum(r.served), func.sum(r.wait_sum), func.sum(r.wait_n), func.sum(r.service_sum),
                       func.sum(r.service_n))
                .where(r.centre_id == p.centre_id, r.day >= p.start.isoformat(), r.day <= closed_to.isoformat(),
                       r.dim == dim).group_by(r.key))
        for key, *figures in session.execute(stmt):
            add((_decode(dim, key),) if by else (), figures)
    if p.end >= p.first_open_day:
        for row in _ticket_figures(session, p.part(max(p.start, p.first_open_day), p.end), by):
            add(tuple(row[:len(by)]), row[len(by):])
    return [(*k, int(v[0]), v[1], int(v[2]), v[3], int(v[4])) for k, v in out.items()]


def _ticket_figures(session: Session, p: Period, by: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """ticket_figures summed from the tickets themselves (any number of keys)."""
    keys = {"officer": Ticket.officer, "counter": Ticket.counter, "service": Ticket.service_code, "day": Ticket.day}
    cols = [utc_hour(session, Ticket.issued_at) if k == "hour" else keys[k] for k in by]
    served = Ticket.status == SERVED
    # wait_s / service_s are stored with the row (central.tickets.durations): no date arithmetic here.
    stmt = (select(*cols, func.sum(case((served, 1), else_=0)), func.coalesce(func.sum(Ticket.wait_s), 0.0),
                   func.count(Ticket.wait_s), func.coalesce(func.sum(Ticket.service_s), 0.0), func.count(Ticket.service_s))
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
    """Per service: waiting (issue to first call) and service (call to done) p50 and p90, minutes.
    Whole closed months come from their kept histograms (central.rollups.DurationHistogram),
    the days around them from the tickets: the same counts, so the same percentiles."""
    closed_to = min(p.end, p.first_open_day - dt.timedelta(days=1))
    months = _whole_months(p.start, closed_to)
    hists: dict[tuple[str, str | None], dict[int, int]] = {}
    raw = [(p.start, p.end)]
    if months:
        ensure_histograms(session, p.centre_id, [m for m, _, _ in months])
        h = DurationHistogram
        # summed over the months by the database: ~2,000 rows for a year instead of ~16,000
        for kind, code, bucket, n in session.execute(
                select(h.kind, h.service_code, h.bucket, func.sum(h.n)).where(
                    h.centre_id == p.centre_id, h.month >= months[0][0], h.month <= months[-1][0])
                .group_by(h.kind, h.service_code, h.bucket)):
            acc = hists.setdefault((kind, code or None), {})
            acc[bucket] = acc.get(bucket, 0) + int(n)
        first, last = months[0][1], months[-1][2]
        raw = [r for r in ((p.start, first - dt.timedelta(days=1)), (last + dt.timedelta(days=1), p.end))
               if r[0] <= r[1]]
    for start, end in raw:
        for kind, service, bucket, n in _histograms(session, p.centre_id, start, end):
            acc = hists.setdefault((kind, service), {})
            acc[bucket] = acc.get(bucket, 0) + n
    out: dict[str, dict[str, Any]] = {}
    for kind in ("wait", "service"):
        for service in sorted((s for k, s in hists if k == kind), key=lambda x: (x is None, x or "")):
            hist = sorted(hists[(kind, service)].items())
            row = out.setdefault(service or "-", {})
            row[f"{kind}_n"] = sum(n for _, n in hist)
            row[f"{kind}_p50"], row[f"{kind}_p90"] = _percentile(hist, 0.5), _percentile(hist, 0.9)
    return out


def _histograms(session: Session, centre_id: int, start: dt.date, end: dt.date,
                by_month: bool = False) -> list[tuple[Any, ...]]:
    """Rows (kind, service, 15-second bucket, count) of the tickets issued from start to end;
    by_month: (month, kind, service, bucket, count)."""
    rows: list[tuple[Any, ...]] = []
    month = func.substr(Ticket.day, 1, 7)
    for kind, secs in (("wait", Ticket.wait_s), ("service", Ticket.service_s)):
        bucket = step_bucket(session, secs, HIST_STEP_S)
        keys = [month, Ticket.service_code, bucket] if by_month else [Ticket.service_code, bucket]
        stmt = (select(*keys, func.count())
                .where(Ticket.centre_id == centre_id, Ticket.day >= start.isoformat(),
                       Ticket.day <= end.isoformat(), secs.is_not(None))
                .group_by(*keys))
        for r in session.execute(stmt):
            rows.append((r[0], kind, *r[1:]) if by_month else (kind, *r))
    return [(*r[:-2], int(r[-2]), int(r[-1])) for r in rows]


def _whole_months(start: dt.date, end: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """The calendar months lying wholly in [start, end]: (YYYY-MM, first day, last day)."""
    out: list[tuple[str, dt.date, dt.date]] = []
    first = start if start.day == 1 else (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    while True:
        last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        if last > end:
            return out
        out.append((first.isoformat()[:7], first, last))
        first = last + dt.timedelta(days=1)


def ensure_histograms(session: Session, centre_id: int, months: list[str]) -> None:
    """Builds the duration histograms of the closed months that have none (or lost theirs to a
    late event: central.rollups.forget), in one pass over their tickets."""
    done = set(session.scalars(select(HistogramMonth.month).where(
        HistogramMonth.centre_id == centre_id, HistogramMonth.month.in_(months))))
    missing = [m for m in months if m not in done]
    if not missing:
        return
    if _read_only(session):
        raise RollupsMissing(centre_id, months=tuple(missing))
    h = DurationHistogram
    session.execute(delete(h).where(h.centre_id == centre_id, h.month.in_(missing)))
    first = dt.date.fromisoformat(f"{missing[0]}-01")
    last = (dt.date.fromisoformat(f"{missing[-1]}-28") + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    rows = [{"centre_id": centre_id, "month": m, "kind": kind, "service_code": service or "", "bucket": b, "n": n}
            for m, kind, service, b, n in _histograms(session, centre_id, first, last, by_month=True)
            if m in missing]
    if rows:
        session.execute(insert(h), rows)
    now = dt.datetime.now(dt.timezone.utc)
    session.execute(insert(HistogramMonth), [{"centre_id": centre_id, "month": m, "built_at": now} for m in missing])


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


def _closed_open(p: Period) -> tuple[Period | None, Period | None]:
    """The closed days of p (read from the daily sums) and its open days (read from the rows)."""
    closed_to = min(p.end, p.first_open_day - dt.timedelta(days=1))
    closed = p.part(p.start, closed_to) if p.start <= closed_to else None
    opened = p.part(max(p.start, p.first_open_day), p.end) if p.end >= p.first_open_day else None
    return closed, opened


def _local_key(how: str, local: dt.datetime) -> Any:
    if how == "day":
        return local.date().isoformat()
    if how == "hour":
        return local.hour
    return local.isoweekday(), local.hour


def rating_local(session: Session, p: Period, how: str) -> dict[Any, dict[str, int]]:
    """Ratings per local `day` (ISO date), `hour` (0-23) or `weekday_hour` ((1-7, 0-23)) -> level counts."""
    out: dict[Any, dict[str, int]] = {}

    def add(key: Any, level: str, n: Any) -> None:
        cell = out.setdefault(key, {})
        cell[level] = cell.get(level, 0) + int(n)

    closed, opened = _closed_open(p)
    if closed:
        ensure_rollups(session, closed)
        r = RatingRollup
        where = (r.centre_id == p.centre_id, r.day >= closed.start.isoformat(), r.day <= closed.end.isoformat())
        if how == "day":  # one row per day and level
            stmt = select(r.day, r.level, r.n).where(*where, r.dim == "day")
        else:
            dim = "lhour" if how == "hour" else "wdh"
            stmt = select(r.key, r.level, func.sum(r.n)).where(*where, r.dim == dim).group_by(r.key, r.level)
        for raw, level, n in session.execute(stmt):
            key: Any = raw
            if how == "hour":
                key = int(raw)
            elif how == "weekday_hour":
                w, h = raw.split("-")
                key = (int(w), int(h))
            add(key, level, n)
    if opened:
        for bucket, level, n in _rating_levels(session, opened, ("hour",)):
            add(_local_key(how, local_hour(int(bucket), p.tz)), level, n)
    return out


def ticket_local_hours(session: Session, p: Period) -> dict[int, list[float]]:
    """Tickets per local hour of issue -> [served, wait_sum_s, wait_n, service_sum_s, service_n]."""
    out: dict[int, list[float]] = {}

    def add(hour: int, figures: Any) -> None:
        acc = out.setdefault(hour, [0, 0.0, 0, 0.0, 0])
        for i, v in enumerate(figures):
            acc[i] += v or 0

    closed, opened = _closed_open(p)
    if closed:
        ensure_rollups(session, closed)
        r = TicketRollup
        stmt = (select(r.key, func.sum(r.served), func.sum(r.wait_sum), func.sum(r.wait_n), func.sum(r.service_sum),
                       func.sum(r.service_n))
                .where(r.centre_id == p.centre_id, r.day >= closed.start.isoformat(),
                       r.day <= closed.end.isoformat(), r.dim == "lhour").group_by(r.key))
        for key, *figures in session.execute(stmt):
            add(int(key), figures)
    if opened:
        for bucket, *figures in _ticket_figures(session, opened, ("hour",)):
            if bucket is not None:
                add(local_hour(int(bucket), p.tz).hour, figures)
    return out


def heatmap(session: Session, p: Period) -> dict[tuple[int, int], dict[str, int]]:
    """(ISO weekday 1-7, local hour 0-23) -> rating levels counted there."""
    return rating_local(session, p, "weekday_hour")


def weekly(session: Session, p: Period, by_day: dict[Any, dict[str, int]] | None = None,
           tickets_by_day: list[tuple[Any, ...]] | None = None) -> list[dict[str, Any]]:
    """Per local ISO week (by its Monday): ratings, satisfied, served tickets.
    by_day, tickets_by_day: rating_local(session, p, "day") and ticket_figures(session, p, ("day",))
    when the caller already has them."""
    weeks: dict[dt.date, dict[str, Any]] = {}

    def week(day: dt.date) -> dict[str, Any]:
        monday = day - dt.timedelta(days=day.weekday())
        return weeks.setdefault(monday, {"week": monday, "total": 0, "good": 0, "served": 0})

    for day, levels in (by_day if by_day is not None else rating_local(session, p, "day")).items():
        w = week(dt.date.fromisoformat(day))
        good, total = good_total(levels)
        w["total"] += total
        w["good"] += good
    for day, served, *_ in (tickets_by_day if tickets_by_day is not None else ticket_figures(session, p, ("day",))):
        if day:
            week(dt.date.fromisoformat(day))["served"] += int(served or 0)
    out = [weeks[k] for k in sorted(weeks)]
    for w in out:
        w["satisfaction_pct"] = round(100 * w["good"] / w["total"], 1) if w["total"] else None
        w["response_rate_pct"] = round(100 * w["total"] / w["served"], 1) if w["served"] else None
    return out


_INT_DIMS = ("counter", "hour", "lhour")


def _encode(value: Any) -> str:
    return "" if value is None else str(value)


def _decode(dim: str, key: str) -> Any:
    if key == "":
        return None
    return int(key) if dim in _INT_DIMS else key


def ensure_rollups(session: Session, p: Period) -> None:
    """Sums the closed days of p that have no (valid) daily sums yet, in one pass over their rows.
    In a read-only transaction it writes nothing: it raises RollupsMissing (read_report builds
    them), and remembers what it found complete, for the report's other figures."""
    tzname = p.tz.key
    read_only = _read_only(session)
    seen = session.info.setdefault("complete_rollups", set()) if read_only else set()
    if (p.centre_id, p.start, p.end, tzname) in seen:
        return
    done = set(session.scalars(select(RollupDay.day).where(
        RollupDay.centre_id == p.centre_id, RollupDay.day >= p.start.isoformat(), RollupDay.day <= p.end.isoformat(),
        RollupDay.timezone == tzname)))
    days = [p.start + dt.timedelta(days=i) for i in range((p.end - p.start).days + 1)]
    missing = [d for d in days if d.isoformat() not in done]
    if not missing:
        seen.add((p.centre_id, p.start, p.end, tzname))
        return
    part = p.part(missing[0], missing[-1])
    if read_only:
        raise RollupsMissing(p.centre_id, part)
    lo, hi = part.start.isoformat(), part.end.isoformat()
    for table in (RatingRollup, TicketRollup, RollupDay):
        session.execute(delete(table).where(table.centre_id == p.centre_id, table.day >= lo, table.day <= hi))
    ratings: dict[tuple[str, str, str, str], int] = {}
    for dim in ("officer", "counter", "service"):
        for bucket, key, level, n in _rating_levels(session, part, ("hour", dim)):
            k = (local_hour(int(bucket), p.tz).date().isoformat(), dim, _encode(key), level)
            ratings[k] = ratings.get(k, 0) + int(n)
    for bucket, level, n in _rating_levels(session, part, ("hour",)):
        local = local_hour(int(bucket), p.tz)
        day = local.date().isoformat()
        for k in ((day, "hour", _encode(bucket), level), (day, "lhour", str(local.hour), level),
                  (day, "wdh", f"{local.isoweekday()}-{local.hour}", level), (day, "day", "", level)):
            ratings[k] = ratings.get(k, 0) + int(n)
    for bucket, level, n in _rating_levels(session, part, ("hour",), named_ticket=True):
        k = (local_hour(int(bucket), p.tz).date().isoformat(), "tkt", "", level)
        ratings[k] = ratings.get(k, 0) + int(n)
    tickets: list[dict[str, Any]] = []
    for dim in ("officer", "counter", "service", "hour"):
        for day, key, served, ws, wn, ss, sn in _ticket_figures(session, part, ("day", dim)):
            tickets.append({"day": day, "dim": dim, "key": _encode(key), "served": int(served or 0),
                            "wait_sum": float(ws or 0), "wait_n": int(wn or 0), "service_sum": float(ss or 0),
                            "service_n": int(sn or 0)})
    by_local_hour: dict[tuple[str, str], list[float]] = {}
    for day, bucket, *figures in _ticket_figures(session, part, ("day", "hour")):
        if bucket is not None:
            acc = by_local_hour.setdefault((day, str(local_hour(int(bucket), p.tz).hour)), [0, 0.0, 0, 0.0, 0])
            for i, v in enumerate(figures):
                acc[i] += v or 0
    for (day, hour), (served, ws, wn, ss, sn) in by_local_hour.items():
        tickets.append({"day": day, "dim": "lhour", "key": hour, "served": int(served), "wait_sum": float(ws),
                        "wait_n": int(wn), "service_sum": float(ss), "service_n": int(sn)})
    for day, served, ws, wn, ss, sn in _ticket_figures(session, part, ("day",)):
        tickets.append({"day": day, "dim": "day", "key": _encode(day), "served": int(served or 0),
                        "wait_sum": float(ws or 0), "wait_n": int(wn or 0), "service_sum": float(ss or 0),
                        "service_n": int(sn or 0)})
    rows = [{"centre_id": p.centre_id, "day": d, "dim": dim, "key": key[:64], "level": level, "n": n}
            for (d, dim, key, level), n in ratings.items() if lo <= d <= hi]
    if rows:
        session.execute(insert(RatingRollup), rows)
    tickets = [{"centre_id": p.centre_id, **t} for t in tickets if t["day"] and lo <= t["day"] <= hi]
    if tickets:
        session.execute(insert(TicketRollup), tickets)
    now = dt.datetime.now(dt.timezone.utc)
    session.execute(insert(RollupDay), [{"centre_id": p.centre_id, "day": d.isoformat(), "timezone": tzname,
                                         "built_at": now} for d in days if lo <= d.isoformat() <= hi])


# -- the rating chain (issue 14): dossiers and served tickets rated, reasons, rejected presses ----------


def dossiers_rated(session: Session, p: Period) -> tuple[int, int]:
    """(dossiers served, of them rated): distinct dossier codes linked in the period (by the link's
    time) and how many of those hold a rating (central.dossier_links)."""
    served = (select(DossierLink.dossier_code).where(
        DossierLink.centre_id == p.centre_id, DossierLink.linked_at >= p.lo, DossierLink.linked_at < p.hi)
        .distinct().subquery())
    rated = RatedDossier.__table__
    stmt = (select(func.count(), func.count(rated.c.dossier_code)).select_from(served.outerjoin(
        rated, and_(rated.c.centre_id == p.centre_id, rated.c.dossier_code == served.c.dossier_code))))
    n, r = session.execute(stmt).one()
    return int(n or 0), int(r or 0)


def served_tickets_rated(session: Session, p: Period) -> tuple[int, int]:
    """(tickets served on the period's days, ratings of tickets given in the period).

    A ticket is rated at its counter (or on its page) the day it is served, so the ratings of the
    period are the served tickets' ratings (a per-ticket EXISTS cost a look-up for each of a
    year's tickets): closed days from their daily sums (`day` tickets, `tkt` ratings), today by
    two range scans on the report indexes."""
    n = r = 0
    closed, opened = _closed_open(p)
    if closed:
        ensure_rollups(session, closed)
        days = (closed.start.isoformat(), closed.end.isoformat())
        n += int(session.scalar(select(func.sum(TicketRollup.served)).where(
            TicketRollup.centre_id == p.centre_id, TicketRollup.dim == "day",
            TicketRollup.day.between(*days))) or 0)
        r += int(session.scalar(select(func.sum(RatingRollup.n)).where(
            RatingRollup.centre_id == p.centre_id, RatingRollup.dim == "tkt", RatingRollup.day.between(*days))) or 0)
    if opened:
        n += int(session.scalar(select(func.count()).where(
            Ticket.centre_id == p.centre_id, Ticket.day >= opened.start.isoformat(),
            Ticket.day <= opened.end.isoformat(), Ticket.status == SERVED)) or 0)
        r += int(session.scalar(select(func.count()).where(
            Rating.centre_id == p.centre_id, Rating.rated_at >= opened.lo, Rating.rated_at < opened.hi,
            Rating.ticket_id.is_not(None))) or 0)
    return n, min(r, n)


def reasons_by_counter(session: Session, p: Period) -> list[tuple[int, str, str | None, str | None, int]]:
    """Rows (counter, state, reason_code, reason, count) of the "unsatisfied" ratings of the period;
    state: answered, not_answered ("không trả lời") or not_asked (no reason asked or received)."""
    state = func.coalesce(Rating.reason_state, case((Rating.reason.is_not(None), "answered"), else_="not_asked"))
    stmt = (select(Rating.counter, state, Rating.reason_code, Rating.reason, func.count())
            .where(Rating.centre_id == p.centre_id, Rating.rated_at >= p.lo, Rating.rated_at < p.hi,
                   Rating.level == "unsatisfied")
            .group_by(Rating.counter, state, Rating.reason_code, Rating.reason)
            .order_by(Rating.counter, func.count().desc(), state, Rating.reason_code, Rating.reason))
    return [(int(c), str(s), code, reason, int(n)) for c, s, code, reason, n in session.execute(stmt)]
