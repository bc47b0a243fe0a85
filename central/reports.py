"""Satisfaction reports (JSON, CSV, HTML) and the unsatisfied-ratings alert rule.

Ratings are grouped by the rating's own counter/officer/time; tickets (served count, waiting
and service times) by the ticket's last counter/officer, its current service and its issue
time. Days and hours are local to the centre's timezone.
"""
from __future__ import annotations

import csv
import datetime as dt
import html
import io
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from central import analytics
from central.centres import CentreRow, doc_of
from central.db import utc_now
from central.ratings import LEVELS, Rating
from kiosk.contract.config import Config
from kiosk.contract.windows import day_off, hours_weekday

GROUPS = ("officer", "counter", "service", "centre", "day", "hour")
ALERT_WINDOW = dt.timedelta(minutes=15)
ALERT_MIN_RATINGS = 4
ALERT_UNSATISFIED_SHARE = 0.5

COLUMNS = ("key", "label", "very_satisfied", "satisfied", "unsatisfied", "total", "satisfaction_pct",
           "served", "response_rate_pct", "avg_wait_min", "avg_service_min")
HEADINGS_VI = {"label": "Nhóm", "very_satisfied": "Rất hài lòng", "satisfied": "Hài lòng",
               "unsatisfied": "Không hài lòng", "total": "Tổng số đánh giá", "satisfaction_pct": "Tỷ lệ hài lòng (%)",
               "served": "Lượt phục vụ", "response_rate_pct": "Tỷ lệ đánh giá (%)",
               "avg_wait_min": "Chờ trung bình (phút)", "avg_service_min": "Phục vụ trung bình (phút)"}
# Reasons that are no reason: kept apart from the citizens' own (analytics.reasons_by_counter).
REASON_STATES = {"not_answered": "không trả lời", "not_asked": "(không hỏi lý do)"}
GROUP_VI = {"officer": "cán bộ", "counter": "quầy", "service": "lĩnh vực", "centre": "trung tâm",
            "day": "ngày", "hour": "giờ trong ngày"}


@dataclass
class _Acc:
    levels: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    served: int = 0
    wait_s: float = 0.0
    wait_n: int = 0
    service_s: float = 0.0
    service_n: int = 0

    def add_tickets(self, served: Any, wait_s: Any, wait_n: Any, service_s: Any, service_n: Any) -> None:
        self.served += int(served or 0)
        self.wait_s += float(wait_s or 0)
        self.wait_n += int(wait_n or 0)
        self.service_s += float(service_s or 0)
        self.service_n += int(service_n or 0)

    def row(self, key: str, label: str) -> dict[str, Any]:
        total = sum(self.levels.values())
        good = self.levels["very_satisfied"] + self.levels["satisfied"]
        pct = lambda a, b: round(100 * a / b, 1) if b else None  # noqa: E731
        avg = lambda s, n: round(s / n / 60, 1) if n else None  # noqa: E731
        return {"key": key, "label": label, **self.levels, "total": total, "satisfaction_pct": pct(good, total),
                "served": self.served, "response_rate_pct": pct(total, self.served),
                "avg_wait_min": avg(self.wait_s, self.wait_n), "avg_service_min": avg(self.service_s, self.service_n)}


# Which database columns each report grouping sums over: (for ratings, for tickets).
_BY: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "officer": (("officer",), ("officer",)), "counter": (("counter",), ("counter",)),
    "service": (("service",), ("service",)), "centre": ((), ()), "day": (("local",), ("local",)),
    "hour": (("local",), ("local",))}  # day and hour: local, see rating_local / ticket_local_hours


def satisfaction(session: Session, centre: CentreRow, start: dt.date, end: dt.date, group: str,
                 now: dt.datetime | None = None,
                 days: tuple[dict[Any, dict[str, int]], list[tuple[Any, ...]]] | None = None) -> dict[str, Any]:
    """One row per group; the database sums (central.analytics), Python only labels the groups.
    By day, each row says how the calendar sees it: day_kind usual, holiday, closed, weekend or
    working (a make-up working day), and day_name / day_name_en (the calendar's name of that day).
    days: the period's (analytics.rating_local(…, "day"), analytics.ticket_figures(…, ("day",)))
    when the caller has them already (the reports page, for its weekly trend too).

    Ratings are grouped by the rating's own counter/officer/time; tickets (served count,
    waiting and service times) by the ticket's last counter/officer, its current service and
    its issue time (its local day for `day`)."""
    if group not in GROUPS:
        raise ValueError(f"group must be one of {', '.join(GROUPS)}")
    if end < start:
        raise ValueError("`to` is before `from`")
    doc = doc_of(centre)
    tz = ZoneInfo(doc.config.centre.timezone)
    period = analytics.Period(centre.id, tz, start, end)
    officers = {o.code: o.name for o in doc.config.officers}
    services = {s.code: s.name for s in doc.config.services}

    def key_label(value: Any, by: str) -> tuple[str, str]:
        if group == "officer":
            return (value or "-"), officers.get(value or "", value or "(không rõ)")
        if group == "counter":
            return str(value or "-"), f"Quầy {value}" if value else "(không rõ)"
        if group == "service":
            return (value or "-"), services.get(value or "", value or "(không rõ)")
        if group == "centre":
            return centre.code, centre.name
        if group == "hour" and value is not None:  # a local hour, 0-23
            return f"{value:02d}", f"{value:02d}:00–{value + 1:02d}:00"
        if group == "day":
            return (value or "-"), (value or "-")
        return "-", "(không rõ)"

    groups: dict[tuple[str, str], _Acc] = {}
    total = _Acc()
    by_rating, by_ticket = _BY[group]
    if group in ("day", "hour"):  # local days and hours, read from the daily sums where they exist
        if group == "day" and days is None:
            days = analytics.rating_local(session, period, "day"), analytics.ticket_figures(session, period, ("day",))
        by_local = days[0] if group == "day" and days else analytics.rating_local(session, period, group)
        rated = [(key, level, n) for key, levels in by_local.items() for level, n in levels.items()]
        tickets = ([(row[0], row[1:]) for row in days[1]] if group == "day" and days
                   else list(analytics.ticket_local_hours(session, period).items()))
    else:
        rated = [(keys[0] if keys else None, level, n)
                 for *keys, level, n in analytics.rating_levels(session, period, by_rating)]
        tickets = [(row[0] if by_ticket else None, row[len(by_ticket):])
                   for row in analytics.ticket_figures(session, period, by_ticket)]
    for key, level, n in rated:
        k = key_label(key, by_rating[0] if by_rating else "")
        for acc in (groups.setdefault(k, _Acc()), total):
            acc.levels[level] = acc.levels.get(level, 0) + int(n)
    for key, figures in tickets:
        k = key_label(key, by_ticket[0] if by_ticket else "")
        for acc in (groups.setdefault(k, _Acc()), total):
            acc.add_tickets(*figures)
    working_days, marks = calendar_of(doc.config, start, end)
    if group == "day":  # the calendar's days off show in the table even with nothing on them
        for day, mark in marks.items():
            if mark.kind in ("holiday", "closed"):
                groups.setdefault((day, day), _Acc())
    rows = [groups[k].row(*k) for k in sorted(groups)]
    if group == "day":
        for r in rows:
            found = marks.get(r["key"])
            r["day_kind"], r["day_name"], r["day_name_en"] = ((found.kind, found.name, found.name_en) if found
                                                              else ("usual", "", ""))
    totals = total.row("total", "Toàn trung tâm")
    # averages per working day: holidays, closed days and weekends are not days the centre worked
    totals.update({"working_days": working_days, "calendar_days": (end - start).days + 1,
                   "served_per_working_day": _per_day(totals["served"], working_days),
                   "ratings_per_working_day": _per_day(totals["total"], working_days)})
    return {"centre_code": centre.code, "centre_name": centre.name, "from": start.isoformat(), "to": end.isoformat(),
            "group": group, "rows": rows, "totals": totals, "day_marks": {d: m.kind for d, m in marks.items()},
            "alerts": alerts(session, centre.id, now), **rating_chain(session, period, doc.config)}


@dataclass(frozen=True)
class DayMark:
    """How the centre's calendar sees a day that is not a usual working day: holiday, closed (a
    one-off closed day), weekend (no service opens on that weekday) or working (a one-off
    working day, e.g. a compensating Saturday); name: the calendar's own."""
    kind: str
    name: str = ""
    name_en: str = ""


def calendar_of(config: Config, start: dt.date, end: dt.date) -> tuple[int, dict[str, DayMark]]:
    """(working days from start to end, the days among them that are not usual working days).
    A working day: no holiday or closed day, and some service opens on the weekday whose hours
    apply (a one-off working day counts with the weekday it works as)."""
    weekdays = {w for sv in config.services for w in sv.weekdays} or {1, 2, 3, 4, 5}
    listed = {d.date: d for d in config.calendar if start <= d.date <= end}
    working, marks = 0, {}
    for i in range((end - start).days + 1):
        day = start + dt.timedelta(days=i)
        off = day_off(config.calendar, day) if day in listed else None
        if off is not None:
            marks[day.isoformat()] = DayMark(off.kind, off.name, off.name_en)
        elif (hours_weekday(config.calendar, day) if day in listed else day.isoweekday()) in weekdays:
            working += 1
            if day in listed:
                marks[day.isoformat()] = DayMark("working", listed[day].name, listed[day].name_en)
        else:
            marks[day.isoformat()] = DayMark("weekend")
    return working, marks


def _per_day(total: int, days: int) -> float | None:
    return round(total / days, 1) if days else None


def _pct(a: int, b: int) -> float | None:
    return round(100 * a / b, 1) if b else None


def rating_chain(session: Session, period: analytics.Period, config: Config | None = None) -> dict[str, Any]:
    """Beside "% satisfied": how many dossiers and served tickets were rated, the reasons of the
    "unsatisfied" ratings per counter ("không trả lời" apart from "no reason asked") and the
    rejected presses per counter."""
    dossiers, dossiers_rated = analytics.dossiers_rated(session, period)
    served, served_rated = analytics.served_tickets_rated(session, period)
    def named(code: str | None) -> str | None:  # the centre's own wording of a reason code
        found = config.rating_reason(code) if config is not None and code else None
        return found.name if found is not None else code

    reasons = [{"counter": c, "state": state, "reason_code": code, "reason": reason, "count": n,
                "label": REASON_STATES.get(state) or reason or named(code) or ""}
               for c, state, code, reason, n in analytics.reasons_by_counter(session, period)]
    rejected = [{"counter": c, "reason": r, "count": n} for c, r, n in analytics.rejected_presses(session, period)]
    return {"coverage": {"dossiers_served": dossiers, "dossiers_rated": dossiers_rated,
                         "dossiers_rated_pct": _pct(dossiers_rated, dossiers),
                         "dossiers_target_pct": analytics.RATED_TARGET_PCT,
                         "served_tickets": served, "served_tickets_rated": served_rated,
                         "served_tickets_rated_pct": _pct(served_rated, served)},
            "reasons": reasons, "rejected_presses": rejected}


def alerts(session: Session, centre_id: int | None = None, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Counters with >= 50 % unsatisfied ratings over the last 15 minutes (at least 4 ratings)."""
    now = now or utc_now()
    since = now - ALERT_WINDOW
    bad_n = func.sum(case((Rating.level == "unsatisfied", 1), else_=0))
    stmt = (select(Rating.centre_id, Rating.counter, bad_n, func.count())
            .where(Rating.rated_at >= since, Rating.rated_at <= now).group_by(Rating.centre_id, Rating.counter))
    if centre_id is not None:
        stmt = stmt.where(Rating.centre_id == centre_id)
    tally = {(cid, counter): (int(bad or 0), int(n)) for cid, counter, bad, n in session.execute(stmt)}
    codes = {c.id: c.code for c in session.scalars(select(CentreRow))} if tally else {}
    out = []
    for (cid, counter), (bad, n) in sorted(tally.items()):
        if n >= ALERT_MIN_RATINGS and bad >= ALERT_UNSATISFIED_SHARE * n:
            out.append({"centre_code": codes[cid], "counter": counter, "unsatisfied": bad, "total": n,
                        "since": since.isoformat(), "rule": "unsatisfied>=50%,ratings>=4,window=15min",
                        "message": f"Quầy {counter} ({codes[cid]}): {bad}/{n} đánh giá Không hài lòng trong 15 phút qua"})
    return out


def to_csv(report: dict[str, Any]) -> str:
    """With a UTF-8 byte order mark: Excel then reads the Vietnamese letters as UTF-8."""
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in [*report["rows"], report["totals"]]:
        writer.writerow({k: "" if row[k] is None else row[k] for k in COLUMNS})
    return buf.getvalue()


def _coverage_html(report: dict[str, Any]) -> str:
    c = report.get("coverage")
    if not c:
        return ""
    pct = lambda v: "—" if v is None else f"{v} %"  # noqa: E731
    return (f"<p>Tỷ lệ hồ sơ được đánh giá: {pct(c['dossiers_rated_pct'])} ({c['dossiers_rated']}/"
            f"{c['dossiers_served']} hồ sơ, mục tiêu {c['dossiers_target_pct']} %). "
            f"Tỷ lệ lượt phục vụ được đánh giá: {pct(c['served_tickets_rated_pct'])} ({c['served_tickets_rated']}/"
            f"{c['served_tickets']}).</p>")


def to_html(report: dict[str, Any]) -> str:
    e = html.escape
    cols = list(HEADINGS_VI)
    fmt = lambda v: "—" if v is None else e(str(v))  # noqa: E731
    head = "".join(f"<th>{HEADINGS_VI[c]}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{fmt(r[c])}</td>" for c in cols) + "</tr>" for r in report["rows"])
    foot = "<tr class=\"total\">" + "".join(f"<th>{fmt(report['totals'][c])}</th>" for c in cols) + "</tr>"
    alerts_html = "".join(f"<li>{e(a['message'])}</li>" for a in report["alerts"]) or "<li>Không có cảnh báo</li>"
    return (
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">"
        f"<title>Kết quả đánh giá mức độ hài lòng - {e(report['centre_name'])}</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:4px 8px}th{background:#eee}</style></head><body>"
        f"<h1>Kết quả đánh giá mức độ hài lòng</h1><h2>{e(report['centre_name'])}</h2>"
        f"<p>Từ ngày {e(report['from'])} đến ngày {e(report['to'])} — theo {GROUP_VI[report['group']]}</p>"
        f"<table><tr>{head}</tr>{body}{foot}</table>{_coverage_html(report)}"
        "<p>Tỷ lệ hài lòng = (Rất hài lòng + Hài lòng) / Tổng số đánh giá. "
        "Tỷ lệ đánh giá = Tổng số đánh giá / Lượt phục vụ.</p>"
        f"<h2>Cảnh báo</h2><ul>{alerts_html}</ul></body></html>")
