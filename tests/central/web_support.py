"""Helpers for the web app tests: people, a realistic week of data, a headless Chromium."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import tomllib
from pathlib import Path
from typing import Any, Callable, Iterator
from zoneinfo import ZoneInfo

import pytest
from central_helpers import Central, Device, event, heartbeat, issued

from central.web.security import create_user
from kiosk.contract.config import SAMPLE_CONFIG
from kiosk.contract.wire import DeviceHealth, OfficerSession, RatingRecorded, RatingRejectedPress, TicketCalled, TicketServed

PASSWORD = "mật-khẩu-đủ-dài-1"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
HOSTILE = '<script>window.pwned=1</script><b>đậm</b>"\'&'
LEVELS = ("very_satisfied", "satisfied", "satisfied", "very_satisfied", "unsatisfied")
REASONS = ("Chờ quá lâu", "Thái độ chưa tốt", "Hướng dẫn chưa rõ")


def add_people(central: Central) -> None:
    with central.db.transaction() as s:
        create_user(s, "admin", PASSWORD, "province_admin", "Quản trị tỉnh")
        create_user(s, "quanly", PASSWORD, "centre_manager", "Phạm Thu Hà", "000.00.12.H12")
        create_user(s, "lanhdao", PASSWORD, "viewer", "Võ Minh Tuấn", "000.00.12.H12")


def hostile_officer_doc() -> dict[str, Any]:
    """The sample centre with HTML in an officer's name: it must come out as text."""
    doc = tomllib.loads(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    doc["officers"][2]["name"] = HOSTILE
    return doc


def load_week(central: Central, days: int = 7, per_day: int = 24) -> None:
    """Tickets issued, called, served and rated over the last `days` local days, plus devices' health:
    each event from the device that says it, built with the kiosk's own models."""
    counter = central.enrol("counter", "Quầy 1-3")
    lobby = central.enrol("lobby", "Kiosk sảnh A")
    display = central.enrol("display", "Màn hình sảnh")
    today = dt.datetime.now(TZ).date()
    services = [("TPHT", 1, "nv01", "A"), ("CT", 2, "nv02", "C"), ("DD", 3, "nv03", "D")]
    tickets: list[dict[str, Any]] = []
    evs: list[dict[str, Any]] = []
    for back in range(days, 0, -1):
        day = today - dt.timedelta(days=back)
        numbers = Device.numbers_for(lobby)
        for i in range(per_day):
            code, ctr, officer, prefix = services[i % 3]
            at = dt.datetime.combine(day, dt.time(7, 40), TZ) + dt.timedelta(minutes=17 * i)
            tid = f"t-{day}-{i}"
            called = at + dt.timedelta(minutes=4 + i % 9)
            done = called + dt.timedelta(minutes=6 + i % 5)
            tickets.append(issued(lobby, tid, service=code, at=at.astimezone(dt.timezone.utc),
                                  number=numbers(code), display=f"{prefix}{i + 1:03d}"))
            evs += [event(TicketCalled(ticket_id=tid, counter=ctr, officer=officer), called),
                    event(TicketServed(ticket_id=tid, counter=ctr, officer=officer, started_at=called,
                                       completed_at=done), done)]
            if i % 4 != 3:  # three tickets in four are rated
                level = LEVELS[(i + back) % len(LEVELS)]
                evs.append(event(RatingRecorded(rating_id=f"r-{tid}", ticket_id=tid, counter=ctr, officer=officer,
                                                level=level, reason=REASONS[i % 3] if level == "unsatisfied" else None),
                                 done + dt.timedelta(seconds=20)))
            if i % 7 == 0:
                evs.append(event(RatingRejectedPress(counter=ctr, reason="debounce"), done))
    for device, batch in ((lobby, tickets), (counter, evs)):
        for chunk in range(0, len(batch), 500):
            r = device.send(*batch[chunk:chunk + 500])
            assert r.status_code == 200 and all(x["status"] == "accepted" for x in r.json()["results"]), r.text[:500]
    lobby.send(heartbeat(uptime_s=3600, outbox_backlog=0),
               event(DeviceHealth(device="printer", state="failed", detail="hết giấy")))
    counter.send(heartbeat(uptime_s=7200, outbox_backlog=3))
    assert display.device_id


def load_today(central: Central) -> None:
    """This morning so far: some tickets served, some waiting, counter 1 serving A051."""
    counter = central.enrol("counter", "Quầy 4-8")
    lobby = central.enrol("lobby", "Kiosk sảnh B")
    numbers = Device.numbers_for(lobby)
    now = dt.datetime.now(dt.timezone.utc)
    tickets: list[dict[str, Any]] = []
    evs: list[dict[str, Any]] = []
    for i, (code, prefix) in enumerate([("TPHT", "A"), ("CT", "C"), ("DD", "D")] * 6):
        at = now - dt.timedelta(minutes=90 - 4 * i)
        tid = f"today-{i}"
        tickets.append(issued(lobby, tid, service=code, at=at, number=numbers(code), display=f"{prefix}{40 + i:03d}"))
        if i < 9:
            ctr = 1 + i % 3
            begin, end = at + dt.timedelta(minutes=5), at + dt.timedelta(minutes=11)
            evs.append(event(TicketCalled(ticket_id=tid, counter=ctr, officer=f"nv0{ctr}"), begin))
            evs.append(event(TicketServed(ticket_id=tid, counter=ctr, officer=f"nv0{ctr}", started_at=begin,
                                          completed_at=end), end))
    tickets.append(issued(lobby, "today-now", service="TPHT", at=now - dt.timedelta(minutes=20), number=numbers("TPHT"),
                          display="A051"))
    evs.append(event(TicketCalled(ticket_id="today-now", counter=1, officer="nv01"), now - dt.timedelta(minutes=3)))
    for device, batch in ((lobby, tickets), (counter, evs)):
        r = device.send(*batch)
        assert all(x["status"] == "accepted" for x in r.json()["results"]), r.text[:300]


def counters_at_rest(central: Central) -> None:
    """Counter 2's officer on a break, counter 3's officer signed out (the monitor says both)."""
    desk = central.enrol("counter", "Quầy 2-3", counters=[2, 3])
    now = dt.datetime.now(dt.timezone.utc)
    steps = [(2, "nv02", "sign_in"), (2, "nv02", "break"), (3, "nv03", "sign_in"), (3, "nv03", "sign_out")]
    r = desk.send(*[event(OfficerSession(counter=c, officer=o, action=a), now - dt.timedelta(minutes=8 - i))
                    for i, (c, o, a) in enumerate(steps)])
    assert all(x["status"] == "accepted" for x in r.json()["results"]), r.text[:300]


def waiting_ticket(central: Central, number: int, service: str = "TPHT") -> None:
    """A ticket issued now and still waiting (the live monitor counts it)."""
    lobby = central.enrol("lobby")
    now = dt.datetime.now(dt.timezone.utc)
    r = lobby.send(issued(lobby, f"live-{number}-{now.timestamp()}", service=service, at=now,
                          display=f"A{100 + number:03d}"))
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "accepted", r.text


def screens_dir(tmp_path: Path) -> Path:
    """docs/screens when KIOSK_WEB_SCREENS=1 (to refresh the README's pictures), else a temp folder."""
    if os.environ.get("KIOSK_WEB_SCREENS"):
        out = Path(__file__).resolve().parents[2] / "docs" / "screens"
    else:
        out = tmp_path / "screens"
    out.mkdir(parents=True, exist_ok=True)
    return out


def chromium(download_dir: Path, extra_args: tuple[str, ...] = ()) -> Iterator[Any]:
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not binary or not driver_path:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI needs Debian's chromium and chromium-driver for the web tests")
        pytest.skip("chromium / chromium-driver not installed (apt-get install chromium chromium-driver)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=vi-VN",
                "--window-size=1400,1000", "--force-device-scale-factor=1", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", *extra_args):
        opts.add_argument(arg)
    opts.add_experimental_option("prefs", {"download.default_directory": str(download_dir),
                                           "download.prompt_for_download": False,
                                           "safebrowsing.enabled": False})
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=opts, service=Service(driver_path))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(condition: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
    """Polls condition until it returns something truthy (no fixed sleeps); an element that vanished
    while the browser loads the next page counts as "not yet"."""
    import time

    try:
        from selenium.common.exceptions import WebDriverException as PageChanging
    except ImportError:  # no selenium: nothing to tolerate
        PageChanging = ()  # type: ignore[assignment,misc]  # noqa: N806
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition()
        except PageChanging:  # the page is being replaced (a form posted, a reload): look again
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
