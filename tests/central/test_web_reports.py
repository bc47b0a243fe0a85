"""Reports in SQL: daily sums of closed days + today's rows equal the sums over the rows; late events count."""
from __future__ import annotations

import datetime as dt

from central_helpers import Central, Device, event, issued

from kiosk.contract.wire import RatingRecorded, TicketCalled, TicketServed
from sqlalchemy import select
from web_support import TZ, load_today, load_week

from central import analytics, reports
from central.centres import find_centre
from central.rollups import HistogramMonth, RollupDay


def _period(central: Central, days_back: int) -> analytics.Period:
    today = dt.datetime.now(TZ).date()
    with central.db.transaction() as s:
        cid = find_centre(s, None).id
    return analytics.Period(cid, TZ, today - dt.timedelta(days=days_back), today)


def _raw(central: Central, p: analytics.Period) -> dict[str, list]:
    with central.db.transaction() as s:
        return {by: sorted(map(repr, analytics._rating_levels(s, p, (by,) if by else ()))) for by in
                ("", "officer", "counter", "service", "hour")} | {
            f"t{by}": sorted(map(repr, _rounded(analytics._ticket_figures(s, p, (by,) if by else ())))) for by in
            ("", "officer", "counter", "service", "hour", "day")}


def _rolled(central: Central, p: analytics.Period) -> dict[str, list]:
    with central.db.transaction() as s:
        return {by: sorted(map(repr, analytics.rating_levels(s, p, (by,) if by else ()))) for by in
                ("", "officer", "counter", "service", "hour")} | {
            f"t{by}": sorted(map(repr, _rounded(analytics.ticket_figures(s, p, (by,) if by else ())))) for by in
            ("", "officer", "counter", "service", "hour", "day")}


def _rounded(rows: list[tuple]) -> list[tuple]:
    return [tuple(round(v, 3) if isinstance(v, float) else v for v in r) for r in rows]


def test_daily_sums_equal_the_rows_and_follow_late_events(any_central: Central) -> None:
    load_week(any_central, days=4, per_day=12)
    load_today(any_central)
    p = _period(any_central, 6)
    assert _rolled(any_central, p) == _raw(any_central, p)  # first read builds the closed days' sums
    with any_central.db.transaction() as s:
        built = set(s.scalars(select(RollupDay.day)))
    assert p.first_open_day.isoformat() not in built and len(built) == 6  # today is never summed ahead
    assert _rolled(any_central, p) == _raw(any_central, p)  # second read from the sums
    before = {r[0]: r for r in _rolled_rows(any_central, p)}
    # A kiosk that was offline syncs a rating of two days ago, after the sums were made.
    two_days_ago = dt.datetime.combine(p.first_open_day - dt.timedelta(days=2), dt.time(9, 0), TZ)
    dev = any_central.enrol("counter")
    r = dev.send(event(RatingRecorded(rating_id="late-1", ticket_id=None, counter=1, officer="nv01",
                                      level="unsatisfied", reason="Chờ quá lâu"), two_days_ago))
    assert r.json()["results"][0]["status"] == "accepted"
    after = {r[0]: r for r in _rolled_rows(any_central, p)}
    assert after["nv01"][3] == before["nv01"][3] + 1  # unsatisfied
    assert _rolled(any_central, p) == _raw(any_central, p)
    with any_central.db.transaction() as s:  # local days and hours: closed days' sums + today's rows
        centre = find_centre(s, None)
        whole = reports.satisfaction(s, centre, p.start, p.end, "centre")["totals"]
        for group in ("day", "hour"):
            rows = reports.satisfaction(s, centre, p.start, p.end, group)["rows"]
            for figure in ("very_satisfied", "satisfied", "unsatisfied", "served"):
                assert sum(r[figure] for r in rows) == whole[figure], (group, figure)
            assert len(rows) == (5 if group == "day" else len({r["key"] for r in rows}))  # 4 days + today
        hours = [r["key"] for r in reports.satisfaction(s, centre, p.start, p.end, "hour")["rows"]]
        assert hours == sorted(hours) and "07" in hours


def _rolled_rows(central: Central, p: analytics.Period) -> list[tuple]:
    with central.db.transaction() as s:
        centre = find_centre(s, None)
        rows = reports.satisfaction(s, centre, p.start, p.end, "officer")["rows"]
    return [(r["key"], r["very_satisfied"], r["satisfied"], r["unsatisfied"]) for r in rows]


def test_percentiles_reasons_rejected_and_weeks(any_central: Central) -> None:
    load_week(any_central, days=3, per_day=9)
    p = _period(any_central, 3)
    with any_central.db.transaction() as s:
        times = analytics.time_percentiles(s, p)
        reasons = dict(analytics.unsatisfied_reasons(s, p))
        rejected = analytics.rejected_presses(s, p)
        weeks = analytics.weekly(s, p)
        heat = analytics.heatmap(s, p)
    # load_week: wait 4 + i % 9 minutes, service 6 + i % 5 minutes, three services in turn
    tpht = times["TPHT"]
    assert tpht["wait_n"] == tpht["service_n"] == 9
    assert 4 <= tpht["wait_p50"] <= tpht["wait_p90"] <= 12.25
    assert 6 <= tpht["service_p50"] <= tpht["service_p90"] <= 10.25
    assert set(reasons) <= {"Chờ quá lâu", "Thái độ chưa tốt", "Hướng dẫn chưa rõ"} and sum(reasons.values()) > 0
    assert sum(n for _, _, n in rejected) == 3 * 2 and all(reason == "debounce" for _, reason, _ in rejected)
    assert sum(w["served"] for w in weeks) == 27 and sum(w["total"] for w in weeks) == 21
    assert sum(sum(c.values()) for c in heat.values()) == 21
    assert all(7 <= hour <= 11 for _, hour in heat)  # local hours (07:40 onwards), not UTC


def test_percentiles_from_monthly_histograms_equal_the_rows_and_follow_late_tickets(any_central: Central) -> None:
    lobby, counter = any_central.enrol("lobby"), any_central.enrol("counter")
    today = dt.datetime.now(TZ).date()
    services = [("TPHT", 1), ("CT", 2), ("DD", 3)]

    def serve_day(day: dt.date, tag: str, per_day: int = 4) -> None:
        numbers = Device.numbers_for(lobby)
        tickets, evs = [], []
        for i in range(per_day):
            code, ctr = services[i % 3]
            at = dt.datetime.combine(day, dt.time(8, 0), TZ) + dt.timedelta(minutes=23 * i)
            called = at + dt.timedelta(minutes=3 + (i * 7) % 13, seconds=11 * i)
            done = called + dt.timedelta(minutes=5 + i % 4)
            tid = f"h-{tag}-{day}-{i}"
            tickets.append(issued(lobby, tid, service=code, at=at.astimezone(dt.timezone.utc), number=numbers(code)))
            evs += [event(TicketCalled(ticket_id=tid, counter=ctr, officer="nv01"), called),
                    event(TicketServed(ticket_id=tid, counter=ctr, officer="nv01", started_at=called,
                                       completed_at=done), done)]
        # sent that evening (a kiosk that was offline): inside the central's clock window
        sent = dt.datetime.combine(day, dt.time(18, 0), TZ)
        for dev, batch in ((lobby, tickets), (counter, evs)):
            r = dev.send(*batch, sent_at=sent)
            assert all(x["status"] == "accepted" for x in r.json()["results"]), r.text[:300]

    for back in range(80, 0, -4):  # three calendar months, two of them whole and closed
        serve_day(today - dt.timedelta(days=back), "a")
    with any_central.db.transaction() as s:
        cid = find_centre(s, None).id
    start = today - dt.timedelta(days=85)
    kept = analytics.Period(cid, TZ, start, today)
    rows_only = analytics.Period(cid, TZ, start, today, today=start)  # no closed day: every ticket read

    def times(p: analytics.Period) -> dict:
        with any_central.db.transaction() as s:
            return analytics.time_percentiles(s, p)

    first = times(kept)
    assert first == times(rows_only) and first["TPHT"]["wait_n"] > 0
    with any_central.db.transaction() as s:
        months = set(s.scalars(select(HistogramMonth.month)))
    assert months and all(m < today.isoformat()[:7] for m in months)  # closed months only
    assert times(kept) == first  # read again, from the histograms
    # A kiosk syncs tickets of a closed month late: its month is summed again.
    late_day = dt.date.fromisoformat(f"{min(months)}-15")
    serve_day(late_day, "late", per_day=9)
    again = times(kept)
    assert again == times(rows_only)
    assert sum(r.get("wait_n", 0) for r in again.values()) == sum(r.get("wait_n", 0) for r in first.values()) + 9
