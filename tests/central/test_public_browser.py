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
