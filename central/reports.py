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

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from central.centres import CentreRow, doc_of
from central.db import utc_now
from central.ratings import LEVELS, Rating
from central.tickets import SERVED, Ticket

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
GROUP_VI = {"officer": "cán bộ", "counter": "quầy", "service": "lĩnh vực", "centre": "trung tâm",
            "day": "ngày", "hour": "giờ trong ngày"}


@dataclass
class _Acc:
    levels: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    served: int = 0
    waits: list[float] = field(default_factory=list)
    services: list[float] = field(default_factory=list)

    def row(self, key: str, label: str) -> dict[str, Any]:
        total = sum(self.levels.values())
        good = self.levels["very_satisfied"] + self.levels["satisfied"]
        pct = lambda a, b: round(100 * a / b, 1) if b else None  # noqa: E731
        avg = lambda xs: round(sum(xs) / len(xs), 1) if xs else None  # noqa: E731
        return {"key": key, "label": label, **self.levels, "total": total, "satisfaction_pct": pct(good, total),
                "served": self.served, "response_rate_pct": pct(total, self.served),
                "avg_wait_min": avg(self.waits), "avg_service_min": avg(self.services)}


def _minutes(a: dt.datetime | None, b: dt.datetime | None) -> float | None:
    return (b - a).total_seconds() / 60 if a and b and b >= a else None


def satisfaction(session: Session, centre: CentreRow, start: dt.date, end: dt.date, group: str,
                 now: dt.datetime | None = None) -> dict[str, Any]:
    if group not in GROUPS:
        raise ValueError(f"group must be one of {', '.join(GROUPS)}")
    if end < start:
        raise ValueError("`to` is before `from`")
    doc = doc_of(centre)
    tz = ZoneInfo(doc.config.centre.timezone)
    lo = dt.datetime.combine(start, dt.time(), tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz)
    officers = {o.code: o.name for o in doc.config.officers}
    services = {s.code: s.name for s in doc.config.services}

    def key_label(officer: str | None, counter: int | None, service: str | None, moment: dt.datetime | None,
                  day: str | None) -> tuple[str, str]:
        local = moment.astimezone(tz) if moment else None
        if group == "officer":
            return (officer or "-"), officers.get(officer or "", officer or "(không rõ)")
        if group == "counter":
            return str(counter or "-"), f"Quầy {counter}" if counter else "(không rõ)"
        if group == "service":
            return (service or "-"), services.get(service or "", service or "(không rõ)")
        if group == "centre":
            return centre.code, centre.name
        if group == "day":
            d = day or (local.date().isoformat() if local else "-")
            return d, d
        h = local.hour if local else None
        return (f"{h:02d}" if h is not None else "-"), (f"{h:02d}:00–{h + 1:02d}:00" if h is not None else "(không rõ)")

    groups: dict[tuple[str, str], _Acc] = {}
    total = _Acc()
    rated = session.execute(
        select(Rating, Ticket.service_code)
        .outerjoin(Ticket, and_(Ticket.centre_id == Rating.centre_id, Ticket.ticket_id == Rating.ticket_id))
        .where(Rating.centre_id == centre.id, Rating.rated_at >= lo, Rating.rated_at < hi)).all()
    for r, ticket_service in rated:
        k = key_label(r.officer, r.counter, r.service_code or ticket_service, r.rated_at, None)
        for acc in (groups.setdefault(k, _Acc()), total):
            acc.levels[r.level] += 1
    for t in session.scalars(select(Ticket).where(Ticket.centre_id == centre.id, Ticket.day >= start.isoformat(),
                                                  Ticket.day <= end.isoformat())):
        wait = _minutes(t.issued_at, t.first_called_at)
        served = t.status == SERVED
        service_time = _minutes(t.called_at, t.served_at) if served else None
        if not served and wait is None:
            continue
        k = key_label(t.officer, t.counter, t.service_code, t.issued_at, t.day)
        for acc in (groups.setdefault(k, _Acc()), total):
            acc.served += served
            if wait is not None:
                acc.waits.append(wait)
            if service_time is not None:
                acc.services.append(service_time)
    rows = [groups[k].row(*k) for k in sorted(groups)]
    return {"centre_code": centre.code, "centre_name": centre.name, "from": start.isoformat(), "to": end.isoformat(),
            "group": group, "rows": rows, "totals": total.row("total", "Toàn trung tâm"),
            "alerts": alerts(session, centre.id, now)}


def alerts(session: Session, centre_id: int | None = None, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Counters with >= 50 % unsatisfied ratings over the last 15 minutes (at least 4 ratings)."""
    now = now or utc_now()
    since = now - ALERT_WINDOW
    stmt = select(Rating.centre_id, Rating.counter, Rating.level).where(Rating.rated_at >= since, Rating.rated_at <= now)
    if centre_id is not None:
        stmt = stmt.where(Rating.centre_id == centre_id)
    tally: dict[tuple[int, int], list[int]] = {}
    for cid, counter, level in session.execute(stmt):
        t = tally.setdefault((cid, counter), [0, 0])
        t[0] += level == "unsatisfied"
        t[1] += 1
    codes = {c.id: c.code for c in session.scalars(select(CentreRow))} if tally else {}
    out = []
    for (cid, counter), (bad, n) in sorted(tally.items()):
        if n >= ALERT_MIN_RATINGS and bad >= ALERT_UNSATISFIED_SHARE * n:
            out.append({"centre_code": codes[cid], "counter": counter, "unsatisfied": bad, "total": n,
                        "since": since.isoformat(), "rule": "unsatisfied>=50%,ratings>=4,window=15min",
                        "message": f"Quầy {counter} ({codes[cid]}): {bad}/{n} đánh giá Không hài lòng trong 15 phút qua"})
    return out


def to_csv(report: dict[str, Any]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in [*report["rows"], report["totals"]]:
        writer.writerow({k: "" if row[k] is None else row[k] for k in COLUMNS})
    return buf.getvalue()


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
        f"<table><tr>{head}</tr>{body}{foot}</table>"
        "<p>Tỷ lệ hài lòng = (Rất hài lòng + Hài lòng) / Tổng số đánh giá. "
        "Tỷ lệ đánh giá = Tổng số đánh giá / Lượt phục vụ.</p>"
        f"<h2>Cảnh báo</h2><ul>{alerts_html}</ul></body></html>")
