"""The managers' web app driven in a real headless Chromium against a real central on loopback."""
from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from central_helpers import Central
from web_support import (
    HOSTILE,
    PASSWORD,
    add_people,
    chromium,
    counters_at_rest,
    hostile_officer_doc,
    load_today,
    load_week,
    screens_dir,
    wait_for,
    waiting_ticket,
)

pytestmark = [pytest.mark.slow]


@pytest.fixture
def site(central: Central) -> Central:
    central.import_doc(hostile_officer_doc())
    add_people(central)
    return central


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    d = tmp_path / "downloads"
    d.mkdir()
    return d


@pytest.fixture
def browser(downloads: Path) -> Iterator[Any]:
    yield from chromium(downloads)


def by_css(driver: Any, selector: str) -> Any:
    from selenium.webdriver.common.by import By
    return driver.find_element(By.CSS_SELECTOR, selector)


def all_css(driver: Any, selector: str) -> list[Any]:
    from selenium.webdriver.common.by import By
    return driver.find_elements(By.CSS_SELECTOR, selector)


def sign_in(driver: Any, central: Central, username: str, password: str = PASSWORD, path: str = "/") -> None:
    driver.get(f"{central.url}/login?next={path}")
    by_css(driver, "#username").clear()
    by_css(driver, "#username").send_keys(username)
    by_css(driver, "#password").send_keys(password)
    by_css(driver, "#sign-in").click()
    wait_for(lambda: "/login" not in driver.current_url or all_css(driver, ".error"), what="the sign-in answer")


def shot(driver: Any, out: Path, name: str) -> None:
    """The whole page (up to 2,600 px high) at 1,400 px wide."""
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 1400, "height": max(800, min(height, 2600)), "deviceScaleFactor": 1, "mobile": False})
    try:
        driver.save_screenshot(str(out / f"web-{name}.png"))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def csp_violations(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]]


def test_sign_in_and_every_page(site: Central, browser: Any, tmp_path: Path) -> None:
    load_week(site)
    load_today(site)
    counters_at_rest(site)
    out = screens_dir(tmp_path)
    browser.get(f"{site.url}/reports")
    assert "/login" in browser.current_url  # not signed in: sent to the sign-in page
    assert "Đăng nhập" in browser.page_source
    shot(browser, out, "login")
    sign_in(browser, site, "quanly", path="/reports")
    assert browser.current_url.endswith("/reports")
    body = by_css(browser, "body").text
    assert "Báo cáo mức độ hài lòng" in body and "Trung tâm Phục vụ hành chính công tỉnh Cà Mau" in body
    assert "000.00.12.H12" not in body  # the centre's name, not its code
    assert re.search(r"\d+,\d %", by_css(browser, "#kpis").text)  # Vietnamese decimal comma
    assert by_css(browser, "#heatmap svg rect") and by_css(browser, "#trend svg polyline")
    assert "Chờ quá lâu" in by_css(browser, "#reasons").text
    assert "Quầy" in by_css(browser, "#rejected").text
    shot(browser, out, "reports")
    by_css(browser, "#group").send_keys("Giờ trong ngày")
    by_css(browser, "#show").click()
    wait_for(lambda: "group=hour" in browser.current_url, what="the hour grouping")
    assert "07:00–08:00" in by_css(browser, "#satisfaction").text

    browser.get(f"{site.url}/monitor")
    assert "Hàng đợi trực tiếp" in browser.page_source
    counters = by_css(browser, "#counters").text
    assert "A051" in counters  # counter 1 is serving the ticket called today
    assert "đang nghỉ giải lao" in counters and "chưa có cán bộ đăng nhập" in counters  # counters 2 and 3
    shot(browser, out, "monitor")

    browser.get(f"{site.url}/fleet")
    rows = all_css(browser, "#fleet tbody tr")
    assert len(rows) == 6 and "hết giấy" in by_css(browser, "#fleet").text  # load_week 3, load_today 2, at rest 1
    assert all_css(browser, "#fleet tr.state-warning") and all_css(browser, "#fleet tr.state-offline")
    by_css(browser, "#enrol button").click()
    wait_for(lambda: all_css(browser, "#enrolment-code svg"), what="the enrolment QR")
    assert re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", by_css(browser, "#enrolment-code").text)
    shot(browser, out, "fleet")

    browser.get(f"{site.url}/users")
    assert "lanhdao" in by_css(browser, "#users").text
    shot(browser, out, "users")
    browser.get(f"{site.url}/audit")
    assert "user.signed_in" in by_css(browser, "#audit").text and "enrolment_code.created" in browser.page_source
    shot(browser, out, "audit")
    browser.get(f"{site.url}/reports/print")
    assert "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH CÀ MAU" in by_css(browser, "body").text
    shot(browser, out, "print")
    browser.get(f"{site.url}/reports?lang=en")
    assert "Satisfaction report" in browser.page_source  # English from the gettext catalogue, kept by cookie
    browser.get(f"{site.url}/monitor")
    assert "Live queue" in browser.page_source
    browser.get(f"{site.url}/docs")  # Swagger UI from the central's own files, no CDN
    wait_for(lambda: all_css(browser, ".swagger-ui .info .title"), timeout=30, what="Swagger UI")
    assert "Kiosk Một Cửa central" in by_css(browser, ".swagger-ui .info .title").text
    shot(browser, out, "docs")
    assert csp_violations(browser) == []


def test_monitor_updates_by_itself(site: Central, browser: Any) -> None:
    sign_in(browser, site, "lanhdao", path="/monitor")
    first = by_css(browser, "#services").text
    stamp = by_css(browser, "#live").get_attribute("data-refreshed")
    waiting_ticket(site, 1, "TPHT")
    waiting_ticket(site, 2, "TPHT")
    wait_for(lambda: by_css(browser, "#live").get_attribute("data-refreshed") != stamp
             and by_css(browser, "#services").text != first, timeout=20, what="the monitor to refresh")
    row = [r.text for r in all_css(browser, "#services tbody tr") if r.text.startswith("Tư pháp")][0]
    assert " 2 " in f" {row} "


def test_wrong_passwords_in_a_row_lock_the_account(site: Central, browser: Any) -> None:
    for _ in range(4):
        sign_in(browser, site, "quanly", "sai-mat-khau-123")
        assert "Sai tên đăng nhập hoặc mật khẩu." in by_css(browser, ".error").text
    sign_in(browser, site, "quanly", "sai-mat-khau-123")
    assert "tạm khóa" in by_css(browser, ".error").text
    sign_in(browser, site, "quanly", PASSWORD)  # the right password no longer opens it
    assert "/login" in browser.current_url and "tạm khóa" in by_css(browser, ".error").text
    sign_in(browser, site, "lanhdao", PASSWORD)  # other people are not affected
    assert "/login" not in browser.current_url
    browser.get(f"{site.url}/audit")  # the viewer may not read the audit log
    assert "403" in browser.title


def test_a_form_without_its_csrf_token_is_refused(site: Central, browser: Any) -> None:
    sign_in(browser, site, "quanly", path="/users")
    browser.execute_script("document.querySelector('#add-user input[name=csrf_token]').remove();")
    by_css(browser, "#add-user input[name=username]").send_keys("ke-gian")
    by_css(browser, "#add-user input[name=password]").send_keys("mat-khau-rat-dai")
    by_css(browser, "#add-user button").click()
    wait_for(lambda: "403" in browser.title, what="the refusal")
    assert "Biểu mẫu bị từ chối" in browser.page_source
    browser.get(f"{site.url}/users")
    assert "ke-gian" not in by_css(browser, "#users").text
    # The same post from a script with the session cookie but no token, and from another site.
    cookie = browser.get_cookie("kiosk_session")["value"]
    with httpx.Client(base_url=site.url, cookies={"kiosk_session": cookie}) as c:
        assert c.post("/users", data={"username": "x", "password": "y" * 12, "role": "viewer"}).status_code == 403
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/users").text).group(1)
        evil = c.post("/users", data={"csrf_token": token, "username": "x", "password": "y" * 12, "role": "viewer"},
                      headers={"Origin": "http://evil.example"})
        assert evil.status_code == 403
    with httpx.Client(base_url=site.url) as c:  # the sign-in form too
        assert c.post("/login", data={"username": "quanly", "password": PASSWORD}).status_code == 403


def test_html_in_text_fields_is_shown_as_text(site: Central, browser: Any) -> None:
    load_week(site, days=2, per_day=6)
    sign_in(browser, site, "quanly", path="/users")
    by_css(browser, "#add-user input[name=username]").send_keys("nguoi-moi")
    by_css(browser, "#add-user input[name=display_name]").send_keys(HOSTILE)
    by_css(browser, "#add-user input[name=password]").send_keys("mat-khau-rat-dai")
    by_css(browser, "#add-user button").click()
    wait_for(lambda: all_css(browser, ".ok"), what="the user to be created")
    names = [td.text for td in all_css(browser, "#users td.name")]
    assert HOSTILE in names
    assert browser.execute_script("return window.pwned === undefined")
    assert not all_css(browser, "#users td.name b")
    browser.get(f"{site.url}/reports?group=officer")  # the officer's name from the centre's configuration
    assert HOSTILE in by_css(browser, "#satisfaction").text
    assert browser.execute_script("return window.pwned === undefined")
    browser.get(f"{site.url}/audit")
    assert browser.execute_script("return window.pwned === undefined")
    # A bad username is refused with a message, not a crash.
    browser.get(f"{site.url}/users")
    by_css(browser, "#add-user input[name=username]").send_keys("có dấu cách")
    by_css(browser, "#add-user input[name=password]").send_keys("mat-khau-rat-dai")
    by_css(browser, "#add-user button").click()
    wait_for(lambda: all_css(browser, ".error"), what="the refusal")
    assert "Chưa lưu" in by_css(browser, ".error").text


def test_a_viewer_gets_403_on_a_manager_page(site: Central, browser: Any) -> None:
    sign_in(browser, site, "lanhdao", path="/reports")
    assert browser.current_url.endswith("/reports")
    assert "Thiết bị" not in by_css(browser, "header nav").text  # the menu offers only what the role opens
    for path in ("/fleet", "/users", "/audit"):
        browser.get(f"{site.url}{path}")
        assert "403" in browser.title and "Không có quyền" in by_css(browser, "body").text
    cookie = browser.get_cookie("kiosk_session")["value"]
    with httpx.Client(base_url=site.url, cookies={"kiosk_session": cookie}) as c:
        assert c.get("/fleet").status_code == 403
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/reports").text).group(1)
        assert c.post("/fleet/enrolment-code", data={"csrf_token": token, "role": "lobby"}).status_code == 403


def test_export_csv_and_xlsx_read_back(site: Central, browser: Any, downloads: Path) -> None:
    from openpyxl import load_workbook

    load_week(site, days=3, per_day=9)
    sign_in(browser, site, "lanhdao", path="/reports")
    by_css(browser, "#export-csv").click()
    csv_file = wait_for(lambda: next((p for p in downloads.glob("*.csv")), None), what="the CSV download")
    raw = wait_for(lambda: csv_file.read_bytes() if csv_file.stat().st_size else None, what="the CSV content")
    assert raw.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert "Trung tâm Phục vụ hành chính công tỉnh Cà Mau" in rows[0][0]
    assert rows[1][:4] == ["Nhóm", "Rất hài lòng", "Hài lòng", "Không hài lòng"]
    assert "Nguyễn Thị Hồng" in [r[0] for r in rows[2:]] and rows[-1][0] == "Toàn trung tâm"
    by_css(browser, "#export-xlsx").click()
    xlsx = wait_for(lambda: next((p for p in downloads.glob("*.xlsx")), None), what="the XLSX download")
    wb = wait_for(lambda: _workbook(xlsx, load_workbook), what="a complete XLSX")
    ws = wb["Mức độ hài lòng"]
    assert ws["A2"].value == "Nhóm" and ws["B2"].value == "Rất hài lòng"
    labels = [ws.cell(row=r, column=1).value for r in range(3, ws.max_row + 1)]
    assert "Nguyễn Thị Hồng" in labels and labels[-1] == "Toàn trung tâm"
    total = ws.cell(row=ws.max_row, column=5).value
    assert isinstance(total, int) and total > 0  # numbers stay numbers in Excel
    assert "Chờ quá lâu" in [c.value for c in wb["Lý do"]["A"]]


def _workbook(path: Path, load: Any) -> Any:
    try:
        return load(path)
    except Exception:  # still being written by the browser
        return None


def test_sessions_and_device_tokens_are_separate_worlds(site: Central) -> None:
    device = site.enrol("counter")
    with httpx.Client(base_url=site.url, headers={"Authorization": f"Bearer {device.token}"}) as c:
        r = c.get("/reports", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
    with httpx.Client(base_url=site.url, headers={"Authorization": f"Bearer {site.embedded.admin_token}"}) as c:
        assert c.get("/fleet", follow_redirects=False).status_code == 303  # the admin token opens no page either
    with httpx.Client(base_url=site.url) as c:
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
        r = c.post("/login", data={"csrf_token": token, "username": "admin", "password": PASSWORD},
                   follow_redirects=False)
        assert r.status_code == 303 and "kiosk_session" in c.cookies
        cookie_header = r.headers["set-cookie"].lower()
        assert "httponly" in cookie_header and "samesite=lax" in cookie_header
        assert c.get("/api/v1/config").status_code == 401  # a session never authorises the device API
        assert c.get("/api/v1/fleet").status_code == 401
        page = c.get("/reports")
        assert page.status_code == 200
        for header in ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy"):
            assert header in page.headers
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert c.get("/reports", params={"from": "2026-13-45"}).status_code == 422  # bad date: a message, no 500
        assert c.get("/reports", params={"from": "2026-02-01", "to": "2026-01-01"}).status_code == 422


def _cell(driver: Any, service_code: str, field: str) -> Any:
    """The input of a field in the services table, found by the row's service code."""
    for row in all_css(driver, "#config-form tbody tr"):
        inputs = row.find_elements("css selector", "input.f-code")
        if inputs and inputs[0].get_attribute("value") == service_code:
            return row.find_element("css selector", f"input.f-{field}")
    raise AssertionError(f"no row for {service_code}")


def test_change_hours_reaches_a_device_and_can_be_rolled_back(site: Central, browser: Any, tmp_path: Path) -> None:
    kiosk = site.enrol("lobby")
    first = kiosk.get("/api/v1/config")
    etag = first.headers["etag"]
    tpht = next(sv for sv in first.json()["services"] if sv["code"] == "TPHT")
    assert [w["start"] for w in tpht["windows"]] == ["07:30", "13:30"]
    sign_in(browser, site, "quanly", path="/config?section=services")
    hours = _cell(browser, "TPHT", "windows")
    hours.clear()
    hours.send_keys("07:00-11:30/40, 13:30-17:00")
    days = _cell(browser, "TPHT", "weekdays")
    days.clear()
    days.send_keys("1, 2, 3, 4, 5, 6")
    by_css(browser, "#config-form input[name=note]").send_keys("Mở sớm và sáng thứ Bảy")
    by_css(browser, "#config-form button[type=submit]").click()
    wait_for(lambda: all_css(browser, "#config-done"), what="the save")
    assert "phiên bản 2" in by_css(browser, "#config-done").text
    # The kiosk's next config poll (If-None-Match) gets the new document and a new ETag.
    polled = kiosk.get("/api/v1/config", headers={"If-None-Match": etag})
    assert polled.status_code == 200 and polled.headers["etag"] != etag
    tpht = next(sv for sv in polled.json()["services"] if sv["code"] == "TPHT")
    assert tpht["windows"][0] == {"start": "07:00", "end": "11:30", "quota": 40} and 6 in tpht["weekdays"]
    # A mistake is refused with the validator's message naming the key, and nothing is stored.
    hours = _cell(browser, "TPHT", "windows")
    hours.clear()
    hours.send_keys("07:00-25:00")
    by_css(browser, "#config-form button[type=submit]").click()
    wait_for(lambda: all_css(browser, "#config-error"), what="the refusal")
    assert "services[0].windows[0].end" in by_css(browser, "#config-error").text
    assert kiosk.get("/api/v1/config", headers={"If-None-Match": polled.headers["etag"]}).status_code == 304
    browser.get(f"{site.url}/config?section=versions")
    assert "services[0].windows[0].start" in by_css(browser, "#versions").text and "quanly" in browser.page_source
    shot(browser, screens_dir(tmp_path), "config-versions")
    restore = [f for f in all_css(browser, "#versions form") if f.get_attribute("action").endswith("/1/restore")]
    restore[0].find_element("css selector", "button").click()
    wait_for(lambda: all_css(browser, "#config-done"), what="the restore")
    back = kiosk.get("/api/v1/config")
    assert back.headers["etag"] == etag  # the same document as before, so the same ETag
    browser.get(f"{site.url}/audit")
    assert "config.saved" in by_css(browser, "#audit").text


def test_officer_photo_is_checked_and_resized(site: Central, browser: Any, tmp_path: Path) -> None:
    from PIL import Image

    sign_in(browser, site, "quanly", path="/config?section=officers")
    shot(browser, screens_dir(tmp_path), "config-officers")
    fake = tmp_path / "anh.jpg"
    fake.write_bytes(b"<html>not a picture</html>")
    big = tmp_path / "anh-lon.png"
    with big.open("wb") as f:  # 50 MB
        f.truncate(50 * 1024 * 1024)
    real = tmp_path / "chan-dung.png"
    Image.new("RGB", (1600, 1200), (200, 60, 60)).save(real)

    def upload(path: Path) -> None:
        browser.get(f"{site.url}/config?section=officers")
        form = all_css(browser, "form.photo-form")[0]
        form.find_element("css selector", "input[type=file]").send_keys(str(path))
        form.find_element("css selector", "button").click()

    upload(fake)
    wait_for(lambda: all_css(browser, "#config-error"), what="the refusal of a non-image")
    assert "Ảnh bị từ chối" in by_css(browser, "#config-error").text
    upload(big)
    wait_for(lambda: "413" in browser.title, what="the refusal of 50 MB")
    upload(real)
    wait_for(lambda: all_css(browser, "#config-done"), what="the photo to be saved")
    src = all_css(browser, "form.photo-form img")[0].get_attribute("src")
    photo = httpx.get(src)
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(photo.content)).size) == 400
    kiosk = site.enrol("counter")
    officer = kiosk.get("/api/v1/config").json()["officers"][0]
    assert officer["photo"].startswith("/photos/") and officer["photo"] in src
