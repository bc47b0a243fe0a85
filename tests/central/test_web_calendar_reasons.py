"""The configuration pages of issue 12's last gaps, in a real headless Chromium: holidays and closed
days a year at a time, hours per weekday, and the centre's reasons for "Không hài lòng"; each
change reaches a device's next config poll, and the central's leases apply the holidays."""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest
from central_helpers import Central
from test_web_browser import _cell, all_css, by_css, shot, sign_in
from web_support import HOSTILE, add_people, chromium, hostile_officer_doc, screens_dir, wait_for

pytestmark = [pytest.mark.slow]


@pytest.fixture
def site(central: Central) -> Central:
    central.import_doc(hostile_officer_doc())
    add_people(central)
    return central


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    yield from chromium(tmp_path)


def _save(driver: Any, what: str = "the save") -> str:
    from selenium.common.exceptions import StaleElementReferenceException

    def replaced(element: Any) -> bool:  # the form page is gone: its #config-done was the last save's
        try:
            element.is_enabled()
            return False
        except StaleElementReferenceException:
            return True

    form = by_css(driver, "#config-form")
    by_css(driver, "#config-form button[type=submit]").click()
    wait_for(lambda: replaced(form), what=f"{what}: the page to be sent")
    wait_for(lambda: all_css(driver, "#config-done") or all_css(driver, "#config-error"), what=what)
    return by_css(driver, "#config-done, #config-error").text


def _new_row(driver: Any) -> Any:
    return all_css(driver, "#config-form tbody tr.new")[0]


def _type(row: Any, field: str, text: str) -> None:
    cell = row.find_element("css selector", f".f-{field}")
    cell.clear()
    cell.send_keys(text)


def test_holidays_of_a_year_reach_devices_and_the_leases(site: Central, browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.support.ui import Select

    kiosk = site.enrol("lobby")
    sign_in(browser, site, "quanly", path="/config?section=calendar")
    browser.get(f"{site.url}/config?section=calendar&year=2027")
    assert "2027" in by_css(browser, "#calendar-years .on").text
    row = _new_row(browser)
    _type(row, "date", "05/02/2027")
    _type(row, "name", "Tết Nguyên Đán")
    _type(row, "name_en", "Lunar New Year")
    assert "phiên bản 2" in _save(browser)
    row = _new_row(browser)
    _type(row, "date", "20/02/2027")
    Select(row.find_element("css selector", "select.f-kind")).select_by_value("working")
    _type(row, "name", HOSTILE)
    _type(row, "hours_of", "1")
    assert "phiên bản 3" in _save(browser)
    assert not browser.execute_script("return window.pwned")  # HTML in a name stays text
    names = [i.get_attribute("value") for i in all_css(browser, "#config-form input.f-name")]
    assert names[:2] == ["Tết Nguyên Đán", HOSTILE]
    shot(browser, screens_dir(tmp_path), "config-calendar")

    # Mistakes get a message naming what is wrong, and nothing is stored.
    row = _new_row(browser)
    _type(row, "date", "30/02/2027")
    _type(row, "name", "Ngày không có")
    assert "DD/MM/YYYY" in _save(browser, "the refusal of 30 February")
    browser.get(f"{site.url}/config?section=calendar&year=2027")
    row = _new_row(browser)
    _type(row, "date", "01/01/2028")
    _type(row, "name", "Tết Dương lịch")
    assert "2028" in _save(browser, "the refusal of another year's day")
    browser.get(f"{site.url}/config?section=calendar&year=2027")
    row = _new_row(browser)
    _type(row, "date", "05/02/2027")
    _type(row, "name", "Lần nữa")
    assert "listed twice" in _save(browser, "the refusal of a day listed twice")

    # Another year's page edits that year only; 2027 stays.
    browser.get(f"{site.url}/config?section=calendar&year=2026")
    assert len(all_css(browser, "#config-form tbody tr")) == 1  # only the "new" row
    row = _new_row(browser)
    _type(row, "date", "02/09/2026")
    _type(row, "name", "Quốc khánh")
    assert "phiên bản 4" in _save(browser)

    calendar = kiosk.get("/api/v1/config").json()["calendar"]
    assert [(d["date"], d["kind"]) for d in calendar] == [
        ("2026-09-02", "holiday"), ("2027-02-05", "holiday"), ("2027-02-20", "working")]
    assert calendar[1]["name_en"] == "Lunar New Year" and calendar[2]["hours_of"] == 1
    refused = kiosk.post("/api/v1/leases", json={"service_code": "TPHT", "day": "2027-02-05", "count": 5,
                                                  "request_id": str(uuid.uuid4())})
    assert refused.status_code == 409 and refused.json()["detail"]["reason"] == "day_off"
    assert "Tết Nguyên Đán" in refused.json()["detail"]["message"]


def test_hours_per_weekday_on_the_services_page(site: Central, browser: Any) -> None:
    kiosk = site.enrol("lobby")
    sign_in(browser, site, "quanly", path="/config?section=services")
    _type_cell = _cell(browser, "TPHT", "hours")
    _type_cell.send_keys("7: 08:00-11:00")  # Sunday is not among its weekdays: refused, with the reason
    assert "not in weekdays" in _save(browser, "the refusal")
    browser.get(f"{site.url}/config?section=services")
    days = _cell(browser, "TPHT", "weekdays")
    days.clear()
    days.send_keys("1, 2, 3, 4, 5, 6")
    _cell(browser, "TPHT", "hours").send_keys("6: 07:30-11:30/30")
    assert "phiên bản 2" in _save(browser)
    assert _cell(browser, "TPHT", "hours").get_attribute("value") == "6: 07:30-11:30/30"
    tpht = next(s for s in kiosk.get("/api/v1/config").json()["services"] if s["code"] == "TPHT")
    assert tpht["hours"] == {"6": [{"start": "07:30", "end": "11:30", "quota": 30}]} and 6 in tpht["weekdays"]
    assert [w["start"] for w in tpht["windows"]] == ["07:30", "13:30"]  # the other days keep their hours


def test_rating_reasons_page(site: Central, browser: Any, tmp_path: Path) -> None:
    kiosk = site.enrol("counter")
    sign_in(browser, site, "quanly", path="/config?section=rating_reasons")
    for order, code, name, name_en in ((2, "cho_lau", "Chờ quá lâu", "Waited too long"),
                                       (1, "thai_do", "Thái độ chưa tốt", "The officer's attitude")):
        row = _new_row(browser)
        _type(row, "order", str(order))
        _type(row, "code", code)
        _type(row, "name", name)
        _type(row, "name_en", name_en)
        assert "Đã lưu" in _save(browser)
    shot(browser, screens_dir(tmp_path), "config-reasons")
    all_css(browser, "#config-form input.f-active")[0].click()  # hide the first one
    assert "Đã lưu" in _save(browser)
    reasons = kiosk.get("/api/v1/config").json()["rating_reasons"]
    assert [(r["code"], r["order"], r["active"]) for r in reasons] == [("cho_lau", 2, False), ("thai_do", 1, True)]
    row = _new_row(browser)
    _type(row, "code", "other")
    _type(row, "name", "Khác")
    assert "always offered last" in _save(browser, "the refusal of the reserved code")


def test_the_new_empty_sections_are_no_change_in_a_diff() -> None:
    from central.web.config_store import diff

    before = {"services": [{"code": "TPHT", "weekdays": [1, 2]}]}
    after = {"services": [{"code": "TPHT", "weekdays": [1, 2], "hours": {}}], "calendar": [], "rating_reasons": []}
    assert diff(before, after) == []
    after["calendar"] = [{"date": "2027-02-05", "name": "Tết"}]
    assert diff(before, after) == [["calendar", None, [{"date": "2027-02-05", "name": "Tết"}]]]
