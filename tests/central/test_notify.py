"""Zalo / SMS notifications (central/notify) against the gateway simulators: "about to be called"
once at N ahead, the rating link after service, a gateway down then back (nothing lost, nothing
twice), no channel (nothing sent, no number kept), numbers masked, and the day-end purge."""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from typing import Any

import httpx
import pytest
from central_helpers import TZ, Central, Device, event, now
from pydantic import ValidationError
from sqlalchemy import select

from central import ticket_pages
from central.events import StoredEvent
from central.notify.adapters import notifier_for
from central.notify.loop import NotifyLoop
from central.notify.outbox import EXPIRED, PENDING, SENT, NotifyMessage, purge, run_once
from central.citizen_phones import NotifyPhone
from central.notify_settings import NotifySettings
from central.notify.simulator import GatewaySimulator
from kiosk.contract.phone import mask
from kiosk.contract.ticket_page import make_token
from kiosk.contract.wire import TicketIssued
from tests.waiting import wait_until

PHONE = "0912345678"
PUBLIC = "https://hcc.camau.gov.vn"


def _issued(dev: Device, label: str, at: dt.datetime, phone: str | None = None) -> tuple[str, dict[str, Any]]:
    tid = str(uuid.uuid4())
    n = dev.number("TPHT")
    return tid, event(TicketIssued(ticket_id=tid, service_code="TPHT", day=at.astimezone(TZ).date().isoformat(),
                                   number=n, display_number=label, priority_group=None, issued_at=at,
                                   lease_source="fallback", phone=phone), at, id_=tid)


def issue(kiosk: Device, labels: list[str], phones: dict[str, str]) -> dict[str, str]:
    base = now() - dt.timedelta(minutes=30)
    made = [_issued(kiosk, x, base + dt.timedelta(seconds=i), phones.get(x)) for i, x in enumerate(labels)]
    answer = kiosk.send(*(ev for _, ev in made)).json()["results"]
    assert all(r["status"] == "accepted" for r in answer), answer
    return {x: tid for x, (tid, _) in zip(labels, made, strict=True)}


def configure(monkeypatch: pytest.MonkeyPatch, sim: GatewaySimulator | None, **over: Any) -> NotifySettings:
    for k in ("CHANNEL", "URL", "TOKEN"):
        monkeypatch.delenv(f"KIOSK_NOTIFY_{k}", raising=False)
    for name, value in (sim.environ() if sim is not None else {}).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("KIOSK_CENTRAL_PUBLIC_URL", PUBLIC)
    return dataclasses.replace(NotifySettings.from_env(), **over)


def rows(central: Central) -> list[NotifyMessage]:
    with central.db.transaction() as s:
        out = list(s.scalars(select(NotifyMessage).order_by(NotifyMessage.id)))
        s.expunge_all()
        return out


def test_the_number_is_a_vietnamese_mobile_and_shows_masked() -> None:
    base = dict(ticket_id=str(uuid.uuid4()), service_code="TPHT", day="2026-11-29", number=1,
                display_number="A001", priority_group=None, issued_at=now())
    assert TicketIssued(**base, phone="+84 912 345 678").phone == PHONE
    assert TicketIssued(**base, phone="84912345678").phone == PHONE
    for bad in ("0212345678", "091234567", "09123456789", "abc", "0912 345 67x"):
        with pytest.raises(ValidationError):
            TicketIssued(**base, phone=bad)
    assert "phone" not in TicketIssued(**base).wire()  # the payload (and its hash) of before the field
    assert mask(PHONE) == "09******78" and mask(None) == ""


def test_about_to_be_called_once_then_the_rating_link(any_central: Central, monkeypatch: pytest.MonkeyPatch,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    central = any_central
    caplog.set_level(logging.INFO)
    with GatewaySimulator("zalo") as sim:
        settings = configure(monkeypatch, sim)
        assert settings.ahead == 3
        notifier = notifier_for(settings)
        kiosk, counter = central.enrol("lobby"), central.enrol("counter")
        labels = [f"A{i:03d}" for i in range(1, 7)]
        ids = issue(kiosk, labels, {"A006": PHONE})
        assert run_once(central.db, settings, notifier) == 0 and sim.received == []  # 5 ahead
        for _ in range(2):
            assert counter.post("/api/v1/counters/1/call-next").status_code == 200
            counter.post("/api/v1/counters/1/complete")
        assert run_once(central.db, settings, notifier) == 1  # 3 ahead: A003 A004 A005
        token = make_token(_key(central), ids["A006"])
        [soon] = sim.received
        assert soon["phone"] == "84912345678" and soon["template_id"] == "soon"
        assert soon["template_data"] == {"centre": soon["template_data"]["centre"], "number": "A006", "ahead": "3",
                                         "link": f"{PUBLIC}/t/{token}"}
        counter.post("/api/v1/counters/1/call-next")
        counter.post("/api/v1/counters/1/complete")
        assert run_once(central.db, settings, notifier) == 0 and len(sim.received) == 1  # once only
        for _ in range(3):  # A004, A005, then A006 served
            counter.post("/api/v1/counters/1/call-next")
            counter.post("/api/v1/counters/1/complete")
        assert run_once(central.db, settings, notifier) == 1
        rate = sim.received[-1]
        assert rate["template_id"] == "rate" and rate["template_data"]["link"] == f"{PUBLIC}/t/{token}"
        assert run_once(central.db, settings, notifier) == 0 and len(sim.received) == 2
        assert [(m.kind, m.status) for m in rows(central)] == [("soon", SENT), ("rate", SENT)]
        # masked everywhere: logs, the ticket page, the event log
        assert PHONE not in caplog.text and mask(PHONE) in caplog.text
        page = httpx.get(f"{central.url}/t/{token}")
        assert page.status_code == 200 and PHONE not in page.text and "A006" in page.text
        with central.db.transaction() as s:
            stored = s.scalars(select(StoredEvent.payload).where(StoredEvent.type == "ticket.issued")).all()
        assert stored and all(PHONE not in str(p) and "phone" not in str(p) for p in stored)


def _key(central: Central) -> str:
    with central.db.transaction() as s:
        centre_id = s.scalar(select(NotifyPhone.centre_id))
        assert centre_id is not None
        return ticket_pages.current_key(s, centre_id)


def test_gateway_down_then_back_loses_nothing_and_sends_once(central: Central, monkeypatch: pytest.MonkeyPatch) -> None:
    with GatewaySimulator("sms") as sim:
        settings = configure(monkeypatch, sim)
        notifier = notifier_for(settings)
        kiosk = central.enrol("lobby")
        issue(kiosk, ["A001", "A002"], {"A002": PHONE})
        sim.down = True
        t0 = now()
        assert run_once(central.db, settings, notifier, t0) == 0
        [m] = rows(central)
        assert m.status == PENDING and m.attempts == 1 and m.next_at > t0 and PHONE not in (m.last_error or "")
        sim.down = False
        assert run_once(central.db, settings, notifier, t0 + dt.timedelta(seconds=1)) == 0  # backing off
        later = t0 + dt.timedelta(seconds=settings.backoff_s + 1)
        assert run_once(central.db, settings, notifier, later) == 1
        assert run_once(central.db, settings, notifier, later + dt.timedelta(hours=1)) == 0
        [sms] = sim.received
        assert sms["to"] == PHONE and "A002" in sms["text"] and f"{PUBLIC}/t/" in sms["text"]
        assert rows(central)[0].status == SENT


def test_back_off_is_capped(central: Central, monkeypatch: pytest.MonkeyPatch) -> None:
    with GatewaySimulator("zalo") as sim:
        settings = configure(monkeypatch, sim, backoff_s=10.0, backoff_cap_s=40.0)
        notifier = notifier_for(settings)
        issue(central.enrol("lobby"), ["A001"], {"A001": PHONE})
        sim.down = True
        at = now()
        delays = []
        for _ in range(5):
            run_once(central.db, settings, notifier, at)
            m = rows(central)[0]
            delays.append((m.next_at - at).total_seconds())
            at = m.next_at
        assert delays == [10, 20, 40, 40, 40] and sim.received == []


def test_no_channel_sends_nothing_and_keeps_no_number(central: Central, monkeypatch: pytest.MonkeyPatch) -> None:
    with GatewaySimulator("zalo") as sim:
        settings = configure(monkeypatch, None)
        monkeypatch.setenv("KIOSK_NOTIFY_URL", sim.url)  # a URL alone is no channel
        assert not NotifySettings.from_env().enabled and notifier_for(settings) is None
        issue(central.enrol("lobby"), ["A001"], {"A001": PHONE})
        assert run_once(central.db, settings, None) == 0
        with central.db.transaction() as s:
            assert s.scalars(select(NotifyPhone)).all() == []
        assert rows(central) == [] and sim.received == []


def test_numbers_are_deleted_at_the_end_of_the_day(central: Central, monkeypatch: pytest.MonkeyPatch) -> None:
    with GatewaySimulator("zalo") as sim:
        settings = configure(monkeypatch, sim)
        sim.down = True
        issue(central.enrol("lobby"), ["A001", "A002"], {"A001": PHONE, "A002": "0987654321"})
        run_once(central.db, settings, notifier_for(settings))
        with central.db.transaction() as s:
            assert purge(s) == 0  # still today: kept
            assert len(s.scalars(select(NotifyPhone)).all()) == 2
        tomorrow = dt.datetime.combine(now().astimezone(TZ).date() + dt.timedelta(days=1), dt.time(0, 0, 1), TZ)
        with central.db.transaction() as s:
            assert purge(s, tomorrow) == 2
            assert s.scalars(select(NotifyPhone)).all() == []
        assert [(m.phone, m.status) for m in rows(central)] == [(None, EXPIRED), (None, EXPIRED)]
        sim.down = False
        assert run_once(central.db, settings, notifier_for(settings), tomorrow) == 0 and sim.received == []


def test_the_loop_thread_delivers(central: Central, monkeypatch: pytest.MonkeyPatch) -> None:
    with GatewaySimulator("zalo") as sim:
        settings = configure(monkeypatch, sim, interval_s=0.05)
        issue(central.enrol("lobby"), ["A001"], {"A001": PHONE})
        loop = NotifyLoop(central.db, settings).start()
        try:
            wait_until(lambda: sim.received, message="the 'about to be called' message")
        finally:
            loop.stop()
        assert [m.status for m in rows(central)] == [SENT]
