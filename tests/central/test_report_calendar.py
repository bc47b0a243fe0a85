"""Reports know the centre's calendar: marked days off and make-up days, averages per working day."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

import httpx
from central_helpers import Central
from web_support import PASSWORD, TZ, add_people, chromium, load_week, screens_dir, wait_for

from central import reports
from central.centres import find_centre
from kiosk.contract.config import SAMPLE_CONFIG, Config


def _calendar_doc(entries: list[dict[str, Any]]) -> dict[str, Any]:
    doc = tomllib.loads(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    doc["calendar"] = entries
    return doc


def test_working_days_leave_out_days_off_and_count_make_up_days() -> None:
    doc = _calendar_doc([{"date": dt.date(2026, 1, 1), "kind": "holiday", "name": "Tết Dương lịch"},
                         {"date": dt.date(2026, 1, 2), "kind": "closed", "name": "Nghỉ bù"},
                         {"date": dt.date(2026, 1, 3), "kind": "working", "name": "Làm bù", "hours_of": 5}])
    config = Config.model_validate(doc)
    # Mon 29/12/2025 .. Sun 4/1/2026: five weekdays, less a holiday and a closed day, plus a make-up Saturday
    working, marks = reports.calendar_of(config, dt.date(2025, 12, 29), dt.date(2026, 1, 4))
    assert working == 4
    assert {d: (m.kind, m.name) for d, m in marks.items()} == {
        "2026-01-01": ("holiday", "Tết Dương lịch"), "2026-01-02": ("closed", "Nghỉ bù"),
        "2026-01-03": ("working", "Làm bù"), "2026-01-04": ("weekend", "")}


def test_reports_mark_days_off_and_average_per_working_day(central: Central) -> None:
    load_week(central, days=7, per_day=6)  # every one of the last 7 days, weekends too
    add_people(central)
    today = dt.datetime.now(TZ).date()
    start = today - dt.timedelta(days=7)
    days = [start + dt.timedelta(days=i) for i in range(8)]
    holiday = max(d for d in days[:-1] if d.isoweekday() <= 5)
    saturday = next(d for d in days[:-1] if d.isoweekday() == 6)
    central.import_doc(_calendar_doc([
        {"date": holiday, "kind": "holiday", "name": "Lễ <b>thử</b>", "name_en": "Test holiday"},
        {"date": saturday, "kind": "working", "name": "Làm bù"},
        {"date": today, "kind": "closed", "name": "Nghỉ đột xuất"}]))
    expected = sum(1 for d in days if d.isoweekday() <= 5 and d not in (holiday, today)) + 1
    with central.db.transaction() as s:
        report = reports.satisfaction(s, find_centre(s, None), start, today, "day")
    t = report["totals"]
    assert t["working_days"] == expected and t["calendar_days"] == 8
    assert t["served_per_working_day"] == round(t["served"] / expected, 1) and t["served"] == 7 * 6
    rows = {r["key"]: r for r in report["rows"]}
    assert (rows[holiday.isoformat()]["day_kind"], rows[holiday.isoformat()]["day_name"]) == ("holiday", "Lễ <b>thử</b>")
    assert rows[saturday.isoformat()]["day_kind"] == "working"
    assert rows[today.isoformat()]["day_kind"] == "closed" and rows[today.isoformat()]["served"] == 0  # shown, empty
    sunday = next(d for d in days[:-1] if d.isoweekday() == 7)
    assert rows[sunday.isoformat()]["day_kind"] == "weekend"
    weekday = next(d for d in days[:-1] if d.isoweekday() <= 5 and d != holiday)
    assert rows[weekday.isoformat()]["day_kind"] == "usual" and rows[weekday.isoformat()]["day_name"] == ""

    with httpx.Client(base_url=central.url, timeout=60) as web:
        token = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/login").text)
        assert token is not None
        web.post("/login", data={"csrf_token": token.group(1), "username": "quanly", "password": PASSWORD})
        page = web.get(f"/reports?from={start}&to={today}&group=day")
        assert page.status_code == 200
        row = re.search(rf'<tr class="day-holiday"><td>(?:T\d|CN) {holiday:%d/%m/%Y}(.*?)</tr>', page.text)
        assert row and "Nghỉ lễ: Lễ &lt;b&gt;thử&lt;/b&gt;" in row.group(1)  # named, and escaped
        assert re.search(rf'<tr class="day-closed"><td>(?:T\d|CN) {today:%d/%m/%Y}', page.text)
        kpi = re.search(r'id="kpi-per-day">(.*?)</div>\s*</div>', page.text, re.S)
        assert kpi and f"{expected} ngày làm việc" in kpi.group(1)
        assert f"{t['served_per_working_day']:.1f}".replace(".", ",") in kpi.group(1)
        exported = web.get(f"/reports/export.csv?from={start}&to={today}&group=day")
        labels = [r[0] for r in csv.reader(io.StringIO(exported.content.decode("utf-8-sig")))]
        assert f"{holiday} (Nghỉ lễ: Lễ <b>thử</b>)" in labels
        english = web.get(f"/reports?from={start}&to={today}&group=day&lang=en").text
        assert "Public holiday: Test holiday" in english and "Closed day: Nghỉ đột xuất" in english


@pytest.mark.slow
def test_the_table_by_day_marks_days_off_in_a_browser(central: Central, tmp_path: Path) -> None:
    load_week(central, days=9, per_day=6)
    add_people(central)
    today = dt.datetime.now(TZ).date()
    start = today - dt.timedelta(days=9)
    days = [start + dt.timedelta(days=i) for i in range(10)]
    holiday = max(d for d in days[:-1] if d.isoweekday() <= 5)
    central.import_doc(_calendar_doc([
        {"date": holiday, "kind": "holiday", "name": "Giỗ Tổ Hùng Vương (thử)"},
        {"date": next(d for d in days[:-1] if d.isoweekday() == 6), "kind": "working", "name": "Làm bù"},
        {"date": today, "kind": "closed", "name": "Nghỉ đột xuất"}]))
    browsers = chromium(tmp_path)
    browser = next(browsers)
    try:
        browser.get(f"{central.url}/login?next=/reports")
        browser.find_element("id", "username").send_keys("quanly")
        browser.find_element("id", "password").send_keys(PASSWORD)
        browser.find_element("id", "sign-in").click()
        wait_for(lambda: "/login" not in browser.current_url, what="signed in")
        browser.get(f"{central.url}/reports?from={start}&to={today}&group=day")
        marked = browser.find_elements("css selector", "#satisfaction tr.day-holiday")
        assert len(marked) == 1 and "Nghỉ lễ: Giỗ Tổ Hùng Vương (thử)" in marked[0].text
        assert browser.find_elements("css selector", "#satisfaction tr.day-closed")
        assert "ngày làm việc" in browser.find_element("id", "kpi-per-day").text
        height = int(browser.execute_script("return document.documentElement.scrollHeight"))
        browser.set_window_size(1400, max(800, min(height + 120, 2600)))
        browser.save_screenshot(str(screens_dir(tmp_path) / "web-reports-by-day.png"))
    finally:
        browsers.close()
