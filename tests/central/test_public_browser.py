"""The central's public pages in a real headless Chromium while a counter calls tickets through the
API: the hall display at 1920x1080 (pairing, push, chime + announcement twice, 140 px history, a
network loss), the ticket page at 390x844 and the public satisfaction page."""
from __future__ import annotations

import re
import subprocess
import uuid
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from central_helpers import Central
from pipe_proxy import PipeProxy
from web_support import PASSWORD, add_people, chromium, screens_dir, wait_for

pytestmark = [pytest.mark.slow]
CENTRE = "000.00.12.H12"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    yield from chromium(tmp_path, ("--autoplay-policy=no-user-gesture-required", "--mute-audio"))


@pytest.fixture
def proxy(central: Central) -> Iterator[PipeProxy]:
    host, port = central.url.removeprefix("http://").rsplit(":", 1)
    p = PipeProxy(host, int(port))
    yield p
    p.close()


def css(driver: Any, selector: str) -> Any:
    from selenium.webdriver.common.by import By
    return driver.find_element(By.CSS_SELECTOR, selector)


def text(driver: Any, selector: str) -> str:
    return str(driver.execute_script(f"var e = document.querySelector({selector!r}); return e ? e.textContent : '';"))


def issue(central: Central, lobby: Any, labels: str) -> dict[str, str]:
    import datetime as dt

    from central_helpers import issued, now
    ids = {x: str(uuid.uuid4()) for x in labels.split()}
    base = now() - dt.timedelta(minutes=30)
    evs = [issued(lobby, ids[x], at=base + dt.timedelta(seconds=i), display=x) for i, x in enumerate(labels.split())]
    assert all(r["status"] == "accepted" for r in lobby.send(*evs).json()["results"])
    return ids


def call(counter: Any, number: int = 1) -> str:
    counter.post(f"/api/v1/counters/{number}/complete")
    r = counter.post(f"/api/v1/counters/{number}/call-next")
    assert r.status_code == 200, r.text
    return str(r.json()["ticket"]["display_number"])


def seconds_of(wav: Path) -> float:
    return float(subprocess.run(["soxi", "-D", str(wav)], capture_output=True, text=True, check=True).stdout)


def rms_of(wav: Path) -> float:
    out = subprocess.run(["sox", str(wav), "-n", "stat"], capture_output=True, text=True).stderr
    return float(re.search(r"RMS\s+amplitude:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


@pytest.mark.long
def test_browser_display_pairs_pushes_announces_and_catches_up(central: Central, browser: Any, proxy: PipeProxy,
                                                                 tmp_path: Path) -> None:
    add_people(central)
    lobby, counter = central.enrol("lobby"), central.enrol("counter")
    issue(central, lobby, "A001 A002 A003 A004 A005 A006 A007")
    browser.set_window_size(1920, 1080)
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 1920, "height": 1080, "deviceScaleFactor": 1, "mobile": False})
    # the TV: no token in the URL, a code to pair
    browser.get(f"{proxy.url}/display/{CENTRE}")
    code = wait_for(lambda: text(browser, "#pair-code").strip(), what="the pairing code")
    assert re.fullmatch(r"\d{3} \d{3}", code)
    assert browser.get_cookie("kiosk_display")["httpOnly"] is True
    tv = browser.current_window_handle
    # the manager enters it on the fleet page, in another tab
    browser.switch_to.new_window("tab")
    browser.get(f"{central.url}/login?next=/fleet")
    css(browser, "#username").send_keys("quanly")
    css(browser, "#password").send_keys(PASSWORD)
    css(browser, "#sign-in").click()
    wait_for(lambda: "/fleet" in browser.current_url and css(browser, "#pair-tv"), what="the fleet page")
    css(browser, "#pair-tv input[name=pair_code]").send_keys("999 999")  # a wrong code first
    css(browser, "#pair-tv button").click()
    wait_for(lambda: browser.find_elements("css selector", "#tv-unknown"), what="the refusal of a wrong code")
    css(browser, "#pair-tv input[name=pair_code]").send_keys(code)
    css(browser, "#pair-tv input[name=name]").send_keys("TV sảnh chính")
    css(browser, "#pair-tv button").click()
    wait_for(lambda: browser.find_elements("css selector", "#tv-paired"), what="the pairing")
    assert "TV sảnh chính" in text(browser, "#tv-screens")
    browser.close()
    browser.switch_to.window(tv)
    wait_for(lambda: browser.find_elements("css selector", "#latest-number"), what="the board after pairing")
    wait_for(lambda: browser.execute_script("return window.kioskDisplay.online()"), what="the push channel")
    # calls through the API reach the board
    shown = [call(counter, 1), call(counter, 2), call(counter, 1)]
    wait_for(lambda: text(browser, "#latest-number") == shown[-1], what="the newest call, large")
    assert "flash" in css(browser, "#latest").get_attribute("class")
    assert text(browser, "#latest-counter") == "1"
    wait_for(lambda: [li.text.split()[0] for li in browser.find_elements("css selector", "#history li")]
             == shown[-2::-1], what="the previous calls")
    px = browser.execute_script("return parseFloat(getComputedStyle(document.querySelector('#history li')).fontSize)")
    assert px >= 140, px
    out = screens_dir(tmp_path)
    browser.save_screenshot(str(out / "web-display.png"))
    # a chime, then the announcement twice, made by the central
    def played_so_far() -> list[str]:
        return list(browser.execute_script("return window.kioskDisplay.played"))
    played = wait_for(lambda: sum(shown[0] in u for u in played_so_far()) >= 2 and played_so_far(), timeout=30,
                      what="the first call's announcement played twice")
    assert played[0] == "/static/audio/chime.wav" and played[1] == played[2] and played[1].endswith(f"/{shown[0]}/1.wav")
    cookie = {"kiosk_display": browser.get_cookie("kiosk_display")["value"]}
    audio = httpx.get(central.url + played[1], cookies=cookie)
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    wav = tmp_path / "announcement.wav"
    wav.write_bytes(audio.content)
    assert 2.5 < seconds_of(wav) < 8 and rms_of(wav) > 0.01  # a whole sentence, not silence
    assert httpx.get(central.url + played[1]).status_code == 401  # only for a paired screen
    # the TV loses the network: the banner, then every call made meanwhile
    proxy.down()
    wait_for(lambda: css(browser, "#offline").is_displayed(), what="the offline banner")
    browser.save_screenshot(str(out / "web-display-offline.png"))
    missed = [call(counter, 2), call(counter, 1)]
    proxy.up()
    wait_for(lambda: text(browser, "#latest-number") == missed[-1], timeout=30, what="the calls made meanwhile")
    assert [li.text.split()[0] for li in browser.find_elements("css selector", "#history li")][:2] == [missed[0], shown[-1]]
    wait_for(lambda: not css(browser, "#offline").is_displayed(), what="the banner gone")
    csp = [e["message"] for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]
    assert csp == []


def token_for(central: Central, ticket_id: str) -> str:
    from central import ticket_pages
    from kiosk.contract.ticket_page import make_token
    with central.db.transaction() as s:
        return make_token(ticket_pages.current_key(s, 1), ticket_id)


def test_ticket_page_on_a_phone_follows_the_queue_and_the_call(central: Central, browser: Any, tmp_path: Path) -> None:
    lobby, counter = central.enrol("lobby"), central.enrol("counter")
    ids = issue(central, lobby, "A001 A002 A003")
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    browser.get(f"{central.url}/t/{token_for(central, ids['A003'])}")
    wait_for(lambda: text(browser, "#number") == "A003", what="the ticket page")
    assert text(browser, "#ahead") == "2" and "phút" in text(browser, "#estimate")
    assert text(browser, "#service") == "Tư pháp - Hộ tịch" and text(browser, "#status") == "Đang chờ"
    wait_for(lambda: browser.execute_script("return window.kioskTicket.online()"), what="the push channel")
    call(counter, 1)  # A001
    wait_for(lambda: text(browser, "#ahead") == "1", what="one person less ahead")
    out = screens_dir(tmp_path)
    browser.save_screenshot(str(out / "web-ticket-waiting.png"))
    call(counter, 2)  # A002
    call(counter, 1)  # A003: ours
    wait_for(lambda: css(browser, "#called").is_displayed(), what="the call, large")
    assert text(browser, "#called") == "Mời Ông/Bà đến quầy số 1"
    assert browser.execute_script("return window.kioskTicket.alerts") == 1
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390, width  # nothing wider than the phone
    browser.save_screenshot(str(out / "web-ticket-called.png"))
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_ticket_page_bad_tokens_and_an_offline_ticket(central: Central) -> None:
    from central import ticket_pages
    from kiosk.contract.ticket_page import make_token
    lobby = central.enrol("lobby")
    ids = issue(central, lobby, "A001")
    good = token_for(central, ids["A001"])
    assert httpx.get(f"{central.url}/t/{good}").status_code == 200
    unsynced = token_for(central, str(uuid.uuid4()))  # issued offline: the kiosk has not sent it yet
    r = httpx.get(f"{central.url}/t/{unsynced}")
    assert r.status_code == 200 and "đang cập nhật" in r.text.lower()
    assert httpx.get(f"{central.url}/t/{unsynced}/state").json()["known"] is False
    strangers = [good[:-1] + ("A" if good[-1] != "A" else "B"), "x" * 35, "nope", "%00" * 12, "A" * 300,
                 make_token("11" * 32, ids["A001"])]  # the last: another centre's (or a forged) key
    for token in strangers:
        r = httpx.get(f"{central.url}/t/{token}")
        assert r.status_code in (404, 422) and "A001" not in r.text and "Tư pháp" not in r.text, token
        assert httpx.get(f"{central.url}/t/{token}/state").status_code in (404, 422)
    with central.db.transaction() as s:
        ticket_pages.rotate_key(s, 1)  # revoked: its pages say nothing any more
    r = httpx.get(f"{central.url}/t/{good}")
    assert r.status_code == 404 and "A001" not in r.text


def test_public_satisfaction_page_is_open_printable_and_names_officers_only_when_allowed(
        central: Central, browser: Any, tmp_path: Path) -> None:
    from sqlalchemy import text as sql
    from web_support import hostile_officer_doc, load_week
    load_week(central)  # a week of tickets, three in four rated, 1 in 5 "not satisfied"
    with central.db.transaction() as s:
        n, ok = s.execute(sql("select count(*), sum(level in ('very_satisfied', 'satisfied')) from ratings")).one()
    r = httpx.get(f"{central.url}/cong-khai/{CENTRE}", params={"format": "json"})
    figures = r.json()
    year = figures["year"]["total"]
    assert r.status_code == 200 and year["ratings"] == n and year["satisfied"] == ok
    assert sum(x["ratings"] for x in figures["year"]["services"]) == n == sum(x["ratings"] for x in figures["year"]["counters"])
    assert all(c["label"] == "" for c in figures["year"]["counters"])  # no officer named by default
    browser.get(f"{central.url}/cong-khai/{CENTRE}")
    wait_for(lambda: browser.find_elements("css selector", "#period-year table.by-counter"), what="the public page")
    page_text = text(browser, "body")
    assert "Kết quả đánh giá sự hài lòng" in page_text and "Quầy 1" in page_text and "Nguyễn" not in page_text
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert not css(browser, "#print").is_displayed()  # the print version hides the button
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 900, "height": 1300, "deviceScaleFactor": 1, "mobile": False})
    browser.save_screenshot(str(screens_dir(tmp_path) / "web-public-satisfaction.png"))
    doc = hostile_officer_doc()
    doc.setdefault("reports", {})["name_officers"] = True
    central.import_doc(doc)
    counters = httpx.get(f"{central.url}/cong-khai/{CENTRE}", params={"format": "json"}).json()["year"]["counters"]
    assert counters[0]["label"] and counters[0]["label"] != ""
    r = httpx.get(f"{central.url}/cong-khai/{CENTRE}")
    assert "<script>window.pwned" not in r.text  # a hostile officer name comes out as text
    assert httpx.get(f"{central.url}/cong-khai/nope").status_code == 404


def test_rating_from_the_ticket_page_after_service_once_with_a_reason(central: Central, browser: Any,
                                                                        tmp_path: Path) -> None:
    from sqlalchemy import text as sql
    lobby, counter = central.enrol("lobby"), central.enrol("counter")
    ids = issue(central, lobby, "A001 A002")
    one, two = token_for(central, ids["A001"]), token_for(central, ids["A002"])
    r = httpx.post(f"{central.url}/t/{one}/rating", data={"level": "satisfied"}, follow_redirects=False)
    assert r.status_code == 303 and "refused=not_served" in r.headers["location"]  # not served yet
    call(counter, 1)
    counter.post("/api/v1/counters/1/complete")
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    browser.get(f"{central.url}/t/{one}")
    wait_for(lambda: browser.find_elements("css selector", "#rate button"), what="the rating form")
    assert [b.text for b in browser.find_elements("css selector", "#rate button")] == [
        "Rất hài lòng", "Hài lòng", "Không hài lòng"]
    browser.find_elements("css selector", "#rate button")[2].click()  # Không hài lòng: a reason first
    wait_for(lambda: "Ông/Bà chưa hài lòng" in text(browser, "#rate"), what="the reasons")
    browser.save_screenshot(str(screens_dir(tmp_path) / "web-ticket-rating.png"))
    reasons = browser.find_elements("css selector", "#rate button")
    assert reasons[0].text == "Phải chờ quá lâu" and reasons[-1].text == "Lý do khác"  # the counter's wording
    reasons[0].click()
    wait_for(lambda: browser.find_elements("css selector", "#rated"), what="the thanks")
    with central.db.transaction() as s:
        rows = s.execute(sql("select level, reason, counter, device_id from ratings")).all()
    assert len(rows) == 1 and rows[0][0] == "unsatisfied" and rows[0][1] and rows[0][2] == 1
    r = httpx.post(f"{central.url}/t/{one}/rating", data={"level": "very_satisfied"}, follow_redirects=False)
    assert "refused=already_rated" in r.headers["location"]  # one rating per ticket
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    # a counter's rating first: the phone cannot rate again; a forged origin is refused
    call(counter, 1)
    counter.post("/api/v1/counters/1/complete")
    r = httpx.post(f"{central.url}/t/{two}/rating", data={"level": "satisfied"}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    r = httpx.post(f"{central.url}/t/{two}/rating", data={"level": "unsatisfied", "reason": "made_up"},
                   follow_redirects=False)
    assert "refused=reason_needed" in r.headers["location"]
    assert httpx.post(f"{central.url}/t/{'x' * 35}/rating", data={"level": "satisfied"}).status_code == 404
