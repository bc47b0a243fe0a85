"""Alerts seen as people see them: four unsatisfied ratings make a badge, one e-mail, one webhook call."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import http.server
import json
import socket
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest
from central_helpers import Central, event, start

from kiosk.contract.wire import RatingRecorded
from test_web_browser import all_css, by_css, shot, sign_in
from web_support import add_people, chromium, screens_dir, wait_for

pytestmark = [pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd API)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    controller_mod = pytest.importorskip("aiosmtpd.controller")
    box, port = Mailbox(), _free_port()
    controller = controller_mod.Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture
def webhook() -> Iterator[tuple[list[dict[str, Any]], str]]:
    calls: list[dict[str, Any]] = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            calls.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield calls, f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


@pytest.fixture
def alerting_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mailbox: tuple[Mailbox, int],
                  webhook: tuple[list, str]) -> Iterator[Central]:
    monkeypatch.setenv("KIOSK_ALERT_SMTP", f"127.0.0.1:{mailbox[1]}")
    monkeypatch.setenv("KIOSK_ALERT_MAIL_TO", "giamdoc@camau.gov.vn,truongphong@camau.gov.vn")
    monkeypatch.setenv("KIOSK_ALERT_WEBHOOK", webhook[1])
    monkeypatch.setenv("KIOSK_ALERT_INTERVAL_S", "0.3")
    central = start(f"sqlite:///{tmp_path}/central.db")
    add_people(central)
    yield central
    central.embedded.stop()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    yield from chromium(tmp_path)


def _ratings(n_bad: int, n_good: int, counter: int = 2) -> list[dict[str, Any]]:
    at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=2)
    levels = ["unsatisfied"] * n_bad + ["satisfied"] * n_good
    return [event(RatingRecorded(rating_id=f"r{counter}-{i}-{at.timestamp()}", ticket_id=None, counter=counter,
                                 officer="nv02", level=lv, reason="Chờ quá lâu"), at)
            for i, lv in enumerate(levels)]


def _badge(browser: Any, url: str) -> str:
    browser.get(url)
    return by_css(browser, "#alert-count").text


def test_four_unsatisfied_ratings_raise_one_alert_pushed_once(alerting_site: Central, browser: Any,
                                                              mailbox: tuple[Mailbox, int],
                                                              webhook: tuple[list, str], tmp_path: Path) -> None:
    box, _ = mailbox
    calls, _ = webhook
    sign_in(browser, alerting_site, "quanly", path="/reports")
    assert by_css(browser, "#alert-count").text == "0"
    counter = alerting_site.enrol("counter")
    counter.send(*_ratings(3, 0))  # three ratings: not enough for the rule
    counter.send(*_ratings(0, 0, counter=9))
    page = f"{alerting_site.url}/reports"
    counter.send(*_ratings(1, 0))  # the fourth: 4/4 unsatisfied
    wait_for(lambda: _badge(browser, page) == "1", timeout=20, what="the alert badge")
    by_css(browser, "#alerts summary").click()
    assert "Quầy 2: 4/4 đánh giá Không hài lòng" in by_css(browser, "#alerts .alert-list").text
    wait_for(lambda: box.messages and calls, what="the e-mail and the webhook call")
    mail = box.messages[0]
    assert "Quầy 2" in mail["Subject"] and "Trung tâm Phục vụ hành chính công tỉnh Cà Mau" in mail["Subject"]
    assert mail["To"] == "giamdoc@camau.gov.vn, truongphong@camau.gov.vn"
    assert calls[0]["alerts"][0]["kind"] == "rating" and "Quầy 2" in calls[0]["text"]
    # More bad ratings while the alert is open: its figures change, no second alert, no second message.
    counter.send(*_ratings(2, 1))
    browser.get(f"{alerting_site.url}/alerts")
    wait_for(lambda: "6/7" in (browser.refresh() or by_css(browser, "#alert-table").text), timeout=20,
             what="the open alert's figures to follow")
    assert len(box.messages) == 1 and len(calls) == 1
    assert len(all_css(browser, "#alert-table tbody tr")) == 1
    shot(browser, screens_dir(tmp_path), "alerts")
    # Acknowledged from the list on any page: the badge goes back to 0, the alert stays listed as seen.
    browser.get(page)
    by_css(browser, "#alerts summary").click()
    by_css(browser, "#alerts form.ack button").click()
    wait_for(lambda: by_css(browser, "#alert-count").text == "0", what="the acknowledgement")
    assert browser.current_url.endswith("/reports")
    assert "quanly" in by_css(browser, "#alerts .alert-list").get_attribute("textContent")


def test_device_printer_and_waiting_rules_open_once_and_close_by_themselves(central: Central) -> None:
    from central_helpers import heartbeat, issued

    from kiosk.contract.wire import DeviceHealth, TicketCalled
    from sqlalchemy import select

    from central.centres import find_centre
    from central.devices import Device, revoke
    from central.web.alerts import PushSettings, run_once
    from central.web.models import Alert

    central.embedded._app.state.alert_watcher.stop()  # this test runs the rules itself
    lobby = central.enrol("lobby", "Kiosk sảnh A")
    display = central.enrol("display", "Màn hình sảnh")  # enrolled, then never heard of
    now = dt.datetime.now(dt.timezone.utc)
    with central.db.transaction() as s:
        s.get(Device, display.device_id).enrolled_at = now - dt.timedelta(minutes=20)
    lobby.send(heartbeat(uptime_s=5, outbox_backlog=0),
               event(DeviceHealth(device="printer", state="failed", detail="paper out")),
               issued(lobby, "old-1", at=now - dt.timedelta(minutes=50)))
    quiet = PushSettings()  # nothing to push to: the rules alone
    assert run_once(central.db, quiet) == 3
    assert run_once(central.db, quiet) == 0  # still true: nothing new
    with central.db.transaction() as s:
        open_ = {a.kind: a for a in s.scalars(select(Alert).where(Alert.closed_at.is_(None)))}
        centre_id = find_centre(s, None).id
    assert sorted(open_) == ["long_wait", "printer", "silent"]
    assert "paper out" in open_["printer"].message and "Màn hình sảnh" in open_["silent"].message
    lobby.send(event(DeviceHealth(device="printer", state="ok", detail="paper ok")))
    central.enrol("counter").send(event(TicketCalled(ticket_id="old-1", counter=1, officer="nv01")))
    with central.db.transaction() as s:
        revoke(s, display.device_id)
    assert run_once(central.db, quiet) == 0
    with central.db.transaction() as s:
        still = list(s.scalars(select(Alert).where(Alert.centre_id == centre_id, Alert.closed_at.is_(None))))
    assert still == []  # every cause is gone: every alert closed by itself


def test_pushed_alerts_say_it_in_vietnamese_then_english(central: Central, mailbox: tuple[Mailbox, int],
                                                         webhook: tuple[list, str]) -> None:
    from central_helpers import heartbeat, issued

    from kiosk.contract.wire import DeviceHealth
    from central.devices import Device
    from central.web.alerts import PushSettings, run_once

    box, port = mailbox
    calls, url = webhook
    central.embedded._app.state.alert_watcher.stop()  # this test runs the rules itself
    lobby = central.enrol("lobby", "Kiosk sảnh A")
    display = central.enrol("display", "Màn hình sảnh")
    now = dt.datetime.now(dt.timezone.utc)
    with central.db.transaction() as s:
        s.get(Device, display.device_id).enrolled_at = now - dt.timedelta(minutes=20)
    lobby.send(heartbeat(uptime_s=5, outbox_backlog=0),
               event(DeviceHealth(device="printer", state="failed", detail="paper out")),
               issued(lobby, "old-1", service="TPHT", at=now - dt.timedelta(minutes=50, seconds=30)))
    pushing = PushSettings(smtp_host="127.0.0.1", smtp_port=port, mail_to=("giamdoc@camau.gov.vn",), webhook=url)
    assert run_once(central.db, pushing, now) == 3
    wait_for(lambda: box.messages and calls, what="the e-mail and the webhook call")
    mail = box.messages[0]
    assert mail["Subject"].startswith("Cảnh báo – Trung tâm Phục vụ hành chính công tỉnh Cà Mau: ")
    body = mail.get_content()
    vi, _, en = body.partition("— English —")
    assert "Máy in của Kiosk sảnh A: paper out" in vi and "Thiết bị Màn hình sảnh: không có tín hiệu 20 phút" in vi
    assert "công dân đã chờ 50 phút" in vi
    assert "Alert – Ca Mau Provincial Public Administration Service Centre" in en
    assert "Printer of Kiosk sảnh A: paper out" in en and "Device Màn hình sảnh: no signal for 20 minutes" in en
    assert "Justice - Civil status: a citizen has been waiting 50 minutes" in en  # the service's English name
    hook = calls[0]
    assert hook["centre"].startswith("Trung tâm") and hook["centre_en"].startswith("Ca Mau")
    by_kind = {a["kind"]: a for a in hook["alerts"]}
    assert by_kind["printer"]["message"] == "Máy in của Kiosk sảnh A: paper out"
    assert by_kind["printer"]["message_en"] == "Printer of Kiosk sảnh A: paper out"
    assert "không có tín hiệu" in hook["text"] and "no signal" in hook["text_en"]


def test_a_citizens_help_request_opens_a_help_alert_that_closes_by_itself(central: Central) -> None:
    """The lobby's "Cần hỗ trợ" end to end at the central: the kiosk's own Lobby.ask_help writes the
    event into its outbox, the sync sender's batch reaches the central, the rules open one alert."""
    from sqlalchemy import select

    from central.web.alerts import HELP_OPEN, PushSettings, run_once
    from central.web.models import Alert
    from kiosk.contract.wire import HelpRequested

    central.embedded._app.state.alert_watcher.stop()  # this test runs the rules itself
    lobby = central.enrol("lobby", "Kiosk sảnh B")
    now = dt.datetime.now(dt.timezone.utc)
    lobby.send(event(HelpRequested(screen="services"), at=now - dt.timedelta(seconds=30)))
    lobby.send(event(HelpRequested(screen="priority"), at=now - dt.timedelta(seconds=10)))  # pressed again
    quiet = PushSettings()
    assert run_once(central.db, quiet) == 1
    with central.db.transaction() as s:
        alert = s.scalars(select(Alert).where(Alert.kind == "help", Alert.closed_at.is_(None))).one()
        assert "Kiosk sảnh B" in alert.message and "Cần hỗ trợ" in alert.message
    run_once(central.db, quiet, now=now + HELP_OPEN + dt.timedelta(minutes=1))  # (the kiosk is "silent" by then)
    with central.db.transaction() as s:
        assert s.scalars(select(Alert).where(Alert.kind == "help", Alert.closed_at.is_(None))).all() == []
