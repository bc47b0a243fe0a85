"""Satisfaction reports on a small known dataset (JSON, CSV, HTML) and the alert rule."""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import tomllib

import httpx
from central_helpers import Central, Device, event, issued, now

from kiosk.contract.config import SAMPLE_CONFIG
from kiosk.contract.wire import RatingRecorded, TicketCalled, TicketServed

UTC = dt.timezone.utc
# A day a week ago (events older than 30 days are refused: docs/central.md, Clocks); 08:00 in Cà Mau is 01:00 UTC.
_DAY = dt.datetime.now(UTC).date() - dt.timedelta(days=7)
DAY, NEXT = _DAY.isoformat(), (_DAY + dt.timedelta(days=1)).isoformat()


def served_ticket(lobby: Device, tid: str, service: str, counter: int, officer: str, issued_at: dt.datetime,
                  wait_min: int, service_min: int) -> tuple[dict, list[dict]]:
    """The lobby's ticket.issued, and the counter's called + served events."""
    called_at = issued_at + dt.timedelta(minutes=wait_min)
    done = called_at + dt.timedelta(minutes=service_min)
    return issued(lobby, tid, service=service, at=issued_at), [
        event(TicketCalled(ticket_id=tid, counter=counter, officer=officer), called_at),
        event(TicketServed(ticket_id=tid, counter=counter, officer=officer, started_at=called_at, completed_at=done),
              done)]


def rating(tid: str | None, counter: int, officer: str, level: str, at: dt.datetime) -> dict:
    return event(RatingRecorded(rating_id=f"r-{tid}-{counter}-{at.timestamp()}", ticket_id=tid, counter=counter, officer=officer,
                                level=level, reason="chờ lâu" if level == "unsatisfied" else None), at)


def load_dataset(central: Central) -> None:
    lobby, dev = central.enrol("lobby"), central.enrol("counter")
    tickets: list[dict] = []
    evs: list[dict] = []
    eight = dt.datetime.combine(_DAY, dt.time(1, 0), tzinfo=UTC)
    for i in range(5):  # counter 1, nv01, TPHT: wait 10 min, service 6 min
        t, acts = served_ticket(lobby, f"t{i}", "TPHT", 1, "nv01", eight + dt.timedelta(minutes=i), 10, 6)
        tickets.append(t)
        evs += acts
    for i in range(2):  # counter 3, nv03, DD: wait 20 min, service 4 min, issued 09:00
        t, acts = served_ticket(lobby, f"u{i}", "DD", 3, "nv03", eight + dt.timedelta(hours=1, minutes=i), 20, 4)
        tickets.append(t)
        evs += acts
    tickets.append(issued(lobby, "w0", at=eight))  # never called: no effect on the figures
    at = eight + dt.timedelta(minutes=20)
    for tid, level in (("t0", "very_satisfied"), ("t1", "very_satisfied"), ("t2", "satisfied"), ("t3", "unsatisfied")):
        evs.append(rating(tid, 1, "nv01", level, at))
    at = eight + dt.timedelta(hours=1, minutes=30)
    evs += [rating("u0", 3, "nv03", "satisfied", at), rating("u1", 3, "nv03", "unsatisfied", at)]
    assert all(x["status"] == "accepted" for x in lobby.send(*tickets).json()["results"])
    assert all(x["status"] == "accepted" for x in dev.send(*evs).json()["results"])
    second = dev.send(rating("t0", 1, "nv01", "unsatisfied", at)).json()["results"][0]
    assert second["reason"] == "already_rated"  # one rating per ticket


def report(central: Central, **params: str) -> httpx.Response:
    with central.admin() as c:
        return c.get("/reports/satisfaction", params={"from": DAY, "to": DAY, **params})


def test_numbers_per_officer_service_hour_and_centre(central: Central) -> None:
    load_dataset(central)
    body = report(central, group="officer").json()
    rows = {r["key"]: r for r in body["rows"]}
    assert rows["nv01"] == {"key": "nv01", "label": "Nguyễn Thị Hồng", "very_satisfied": 2, "satisfied": 1,
                            "unsatisfied": 1, "total": 4, "satisfaction_pct": 75.0, "served": 5,
                            "response_rate_pct": 80.0, "avg_wait_min": 10.0, "avg_service_min": 6.0}
    assert rows["nv03"]["satisfaction_pct"] == 50.0 and rows["nv03"]["response_rate_pct"] == 100.0
    assert (rows["nv03"]["avg_wait_min"], rows["nv03"]["avg_service_min"]) == (20.0, 4.0)
    totals = body["totals"]
    assert (totals["total"], totals["served"], totals["satisfaction_pct"], totals["response_rate_pct"]) == (6, 7, 66.7, 85.7)
    assert (totals["avg_wait_min"], totals["avg_service_min"]) == (12.9, 5.4)
    by_service = {r["key"]: r["total"] for r in report(central, group="service").json()["rows"]}
    assert by_service == {"TPHT": 4, "DD": 2}
    by_hour = {r["key"]: (r["total"], r["served"]) for r in report(central, group="hour").json()["rows"]}
    assert by_hour == {"08": (4, 5), "09": (2, 2)}
    by_counter = {r["label"]: r["satisfaction_pct"] for r in report(central, group="counter").json()["rows"]}
    assert by_counter == {"Quầy 1": 75.0, "Quầy 3": 50.0}
    by_day = report(central, group="day").json()["rows"]
    assert [(r["key"], r["total"]) for r in by_day] == [(DAY, 6)]
    assert [r["total"] for r in report(central, group="centre").json()["rows"]] == [6]
    empty = report(central, group="officer", **{"from": NEXT, "to": NEXT}).json()
    assert empty["rows"] == [] and empty["totals"]["satisfaction_pct"] is None


def test_csv_and_html(central: Central) -> None:
    load_dataset(central)
    r = report(central, group="officer", format="csv")
    assert r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(codecs.BOM_UTF8)  # Excel reads UTF-8 only with it
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert list(rows[0]) == ["key", "label", "very_satisfied", "satisfied", "unsatisfied", "total",
                             "satisfaction_pct", "served", "response_rate_pct", "avg_wait_min", "avg_service_min"]
    assert rows[0]["label"] == "Nguyễn Thị Hồng" and rows[0]["satisfaction_pct"] == "75.0"
    assert rows[-1]["key"] == "total" and rows[-1]["total"] == "6"
    page = report(central, group="officer", format="html")
    assert page.headers["content-type"].startswith("text/html")
    for text in ("Kết quả đánh giá mức độ hài lòng", "Rất hài lòng", "Hài lòng", "Không hài lòng",
                 "Tỷ lệ hài lòng (%)", "Nguyễn Thị Hồng", "75.0", "Trung tâm Phục vụ hành chính công tỉnh Cà Mau"):
        assert text in page.text
    assert report(central, group="nope").status_code == 422
    assert report(central, **{"from": NEXT, "to": DAY}).status_code == 422


def test_reports_are_private_unless_published(central: Central) -> None:
    url = f"{central.url}/reports/satisfaction"
    assert httpx.get(url).status_code == 401
    doc = tomllib.loads(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    doc["reports"] = {"public": True}
    central.import_doc(doc)
    r = httpx.get(url, params={"format": "html"})
    assert r.status_code == 200 and "Kết quả đánh giá" in r.text


def test_alert_rule(central: Central) -> None:
    dev = central.enrol("counter")
    t = now() - dt.timedelta(minutes=5)
    old = now() - dt.timedelta(minutes=20)
    evs = []
    # ratings without a ticket (a panel pressed after a typed call): counted by counter
    for i, level in enumerate(["unsatisfied", "unsatisfied", "satisfied", "very_satisfied"]):  # 2/4: alert
        evs.append(rating(None, 2, "nv02", level, t + dt.timedelta(seconds=i)))
    evs += [rating(None, 5, "x", "unsatisfied", t + dt.timedelta(seconds=i)) for i in range(3)]  # 3 ratings: no alert
    evs += [rating(None, 6, "x", lv, t + dt.timedelta(seconds=i))
            for i, lv in enumerate(["unsatisfied"] * 2 + ["satisfied"] * 3)]  # 40 %
    evs += [rating(None, 7, "x", "unsatisfied", old + dt.timedelta(seconds=i)) for i in range(4)]  # not in 15 min
    assert {x["status"] for x in dev.send(*evs).json()["results"]} == {"accepted"}
    with central.admin() as c:
        alerts = c.get("/reports/satisfaction", params={"group": "counter"}).json()["alerts"]
        fleet = c.get("/api/v1/fleet").json()["alerts"]
        page = c.get("/reports/satisfaction", params={"format": "html"}).text
    assert [(a["counter"], a["unsatisfied"], a["total"]) for a in alerts] == [(2, 2, 4)]
    assert [{**a, "since": None} for a in fleet] == [{**a, "since": None} for a in alerts]
    assert "Quầy 2" in alerts[0]["message"] and alerts[0]["message"] in page
