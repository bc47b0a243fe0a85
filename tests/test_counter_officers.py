"""Officers at the counter (issue 14): PIN and staff-card sign-in, wrong PINs throttled, break,
moving between counters, every call/serve/rating carrying the signed-in officer; and the
central keeping who is signed in and refusing counter actions with nobody signed in."""
from __future__ import annotations

import datetime as dt
import json
import tomllib

import pytest
import requests
from sqlalchemy import select

from benchmarks.sync_support import sample_document
from kiosk.contract.config import SAMPLE_CONFIG, parse_config
from kiosk.contract.staff import card_payload, hash_pin, parse_staff_card, verify_pin
from kiosk.contract.wire import OfficerSession
from kiosk.counter import CounterError, CounterService
from kiosk.counter.officers import MAX_WRONG
from kiosk.storage import open_database
from kiosk.storage.outbox import OutboxEvent
from tests.conftest import FakeClock
from tests.counter_support import Mono

UTC = dt.timezone.utc
CENTRE = "000.00.12.H12"
PINS = {"nv01": "1111", "nv02": "2222", "nv03": "3333"}


def centre_data(required: bool = True) -> dict:
    data = tomllib.loads(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    data["centre"]["require_sign_in"] = required
    for o in data["officers"]:
        o["pin_hash"] = hash_pin(PINS[o["code"]], iterations=1000)
    return data


@pytest.fixture
def db(tmp_path):
    d = open_database(tmp_path / "kiosk.db")
    yield d
    d.close()


def service(db, required: bool = True, mono: Mono | None = None) -> CounterService:
    data = centre_data(required)
    data["device"]["role"] = "counter"
    data["counter"] = {"counters": [1, 3]}
    return CounterService(db, parse_config(data), clock=FakeClock(dt.datetime(2026, 11, 23, 2, 0, tzinfo=UTC)),
                          monotonic=mono or Mono())


def sessions(db) -> list[tuple[int, str, str, str]]:
    with db.transaction() as s:
        rows = s.scalars(select(OutboxEvent).where(OutboxEvent.type == "officer.session").order_by(OutboxEvent.seq))
        out = []
        for r in rows:
            p = OfficerSession.model_validate(json.loads(r.payload))  # the central's contract
            out.append((p.counter, p.officer, p.action, p.method))
        return out


def payloads(db, type_: str) -> list[dict]:
    with db.transaction() as s:
        rows = s.scalars(select(OutboxEvent).where(OutboxEvent.type == type_).order_by(OutboxEvent.seq)).all()
        return [json.loads(r.payload) for r in rows]


def test_staff_card_and_pin_formats():
    assert parse_staff_card(card_payload(CENTRE, "nv01")) == parse_staff_card(f" KMC1:O:{CENTRE}:nv01\r\n")
    assert parse_staff_card("000.00.12.H62-201105-0004") is None
    assert parse_staff_card("KMC1:O:only-one-part") is None
    h = hash_pin("123456", iterations=1000)
    assert verify_pin("123456", h) and not verify_pin("123457", h)
    assert not verify_pin("123456", "garbage") and not verify_pin("12ab", h)
    with pytest.raises(ValueError):
        hash_pin("12")


def test_sign_in_is_required_before_calling_and_the_officer_is_on_every_event(db):
    mono = Mono()
    svc = service(db, mono=mono)
    with pytest.raises(CounterError) as exc:
        svc.call_typed(3, "B001")
    assert exc.value.code == "not_signed_in"
    with pytest.raises(CounterError) as exc:
        svc.sign_in_pin(3, "nv02", "9999")
    assert exc.value.code == "wrong_pin" and svc.officer_of(3) is None
    svc.sign_in_pin(3, "nv02", "2222")
    assert svc.officer_of(3) == "nv02"
    cur = svc.call_typed(3, "B001")
    assert cur.officer == "nv02"
    with pytest.raises(CounterError, match="serving"):
        svc.sign_out(3)  # never while serving: the ticket would lose its officer
    svc.complete(3)
    mono.advance(2)
    svc.rate_press(3, 1, "touch")
    assert [p["officer"] for p in payloads(db, "ticket.called") + payloads(db, "ticket.served")
            + payloads(db, "rating.recorded")] == ["nv02"] * 3
    svc.take_break(3)
    with pytest.raises(CounterError, match="paused"):
        svc.call_typed(3, "B002")
    svc.end_break(3)
    svc.sign_out(3)
    assert svc.officer_of(3) is None
    assert sessions(db) == [(3, "nv02", "sign_in", "pin"), (3, "nv02", "break", "pin"),
                            (3, "nv02", "resume", "pin"), (3, "nv02", "sign_out", "pin")]


def test_wrong_pins_are_throttled(db):
    mono = Mono()
    svc = service(db, mono=mono)
    for _ in range(MAX_WRONG):
        with pytest.raises(CounterError, match="wrong"):
            svc.sign_in_pin(1, "nv01", "0000")
    with pytest.raises(CounterError) as exc:
        svc.sign_in_pin(1, "nv01", "1111")  # even the right PIN waits
    assert exc.value.code == "pin_locked"
    mono.advance(61)
    svc.sign_in_pin(1, "nv01", "1111")
    assert svc.officer_of(1) == "nv01"


def test_staff_card_sign_in_refuses_another_centres_card(db):
    svc = service(db)
    with pytest.raises(CounterError) as exc:
        svc.sign_in_card(1, card_payload("000.00.99.H99", "nv01"))
    assert exc.value.code == "other_centre" and "000.00.99.H99" in str(exc.value)
    for bad, code in ((card_payload(CENTRE, "ghost"), "unknown_officer"), ("000.00.12.H62-201105-0004", "bad_card")):
        with pytest.raises(CounterError) as exc:
            svc.sign_in_card(1, bad)
        assert exc.value.code == code
    svc.sign_in_card(1, card_payload(CENTRE, "nv01"))
    assert svc.officer_of(1) == "nv01" and sessions(db) == [(1, "nv01", "sign_in", "card")]


def test_moving_to_another_counter_signs_out_of_the_first(db):
    svc = service(db)
    svc.sign_in_pin(1, "nv03", "3333")
    svc.sign_in_pin(3, "nv03", "3333")
    assert (svc.officer_of(1), svc.officer_of(3)) == (None, "nv03")
    assert sessions(db) == [(1, "nv03", "sign_in", "pin"), (1, "nv03", "sign_out", "pin"),
                            (3, "nv03", "sign_in", "pin")]


def test_without_required_sign_in_the_configured_officer_serves(db):
    svc = service(db, required=False)
    assert svc.officer_of(3) == "nv03"
    assert svc.call_typed(3, "B001").officer == "nv03"


# -- the central --------------------------------------------------------------------------------
@pytest.fixture
def central(tmp_path):
    from central.embedded import start_embedded
    c = start_embedded(f"sqlite:///{tmp_path / 'central.db'}")
    doc = sample_document()
    doc["centre"]["require_sign_in"] = True
    requests.put(f"{c.url}/api/v1/admin/centres", json=doc, headers=c.admin_headers, timeout=10).raise_for_status()
    yield c
    c.stop()


def test_central_refuses_counter_actions_with_nobody_signed_in(tmp_path, central):
    from central.officers import CounterOfficer
    from tests.test_counter_central import CounterDevice, central_ticket, issue_tickets
    ids = issue_tickets(central, "TPHT", "A", 2)
    dev = CounterDevice(tmp_path, central, "c1", [1])
    headers = dict(dev.central_client.session.headers)
    r = requests.post(f"{central.url}/api/v1/counters/1/call-next", headers=headers, timeout=10)
    assert r.status_code == 403 and "signed in" in r.json()["detail"]
    r = requests.post(f"{central.url}/api/v1/counters/1/call-next", json={"officer": "ghost"}, headers=headers,
                      timeout=10)
    assert r.status_code == 422
    # offline-made events with no officer are refused with a reason the technician can read
    from kiosk.contract.events import Event
    from kiosk.contract.wire import TicketCalled
    bad = Event(TicketCalled(ticket_id=ids[1], counter=1, officer=None)).wire()
    body = dev.central_client.post_events(dev.config.device.id, [bad], dt.datetime.now(UTC))
    assert [(v["status"], v["reason"]) for v in body["results"]] == [("rejected", "not_signed_in")]
    # the counter signs in (an officer.session event), the central learns it and calls
    config = dev.config.model_copy(update={"centre": dev.config.centre.model_copy(update={"require_sign_in": True})})
    dev.service = CounterService(dev.db, config, client=dev.service.client)
    dev.service.sign_in_card(1, card_payload(CENTRE, "nv01"))
    dev.sender.flush()
    with central.db.transaction() as s:
        assert s.get(CounterOfficer, (1, 1)).officer == "nv01"
    cur = dev.service.call_next(1)
    assert cur is not None and cur.officer == "nv01"
    assert central_ticket(central, cur.ticket_id)[2] == "nv01"
    dev.service.complete(1)
    assert central_ticket(central, cur.ticket_id)[:3] == ("served", 1, "nv01")
    dev.close()


def test_the_managers_monitor_shows_who_is_signed_in_and_who_is_on_a_break(tmp_path, central):
    from central.centres import CentreRow
    from central.web.monitor import live
    from tests.test_counter_central import CounterDevice

    def counter_1() -> dict:
        with central.db.transaction() as s:
            return next(c for c in live(s, s.scalars(select(CentreRow)).one())["counters"] if c["number"] == 1)

    dev = CounterDevice(tmp_path, central, "c1", [1])
    config = dev.config.model_copy(update={"centre": dev.config.centre.model_copy(update={"require_sign_in": True})})
    dev.service = CounterService(dev.db, config, client=dev.service.client)
    dev.service.sign_in_card(1, card_payload(CENTRE, "nv02"))
    dev.service.take_break(1)
    dev.sender.flush()
    row = counter_1()
    assert row["officer"] == "Trần Văn Minh" and row["on_break"] and not row["signed_out"], row
    dev.service.end_break(1)
    dev.service.sign_out(1)
    dev.sender.flush()
    row = counter_1()
    assert row["signed_out"] and not row["on_break"] and row["officer"] == "—", row
    dev.close()


def test_web_officers_page_stores_a_new_pin_hashed_and_keeps_it_when_left_empty():
    from central.web.config_pages import document_from_form, show
    from kiosk.contract.config import ConfigError
    doc = sample_document()
    form = {"rows": "1", "officers.0.code": "nv01", "officers.0.name": "A", "officers.0.title": "",
            "officers.0.pin_hash": "2468"}
    first = document_from_form("officers", form, doc)["officers"][0]
    assert first["pin_hash"].startswith("pbkdf2_sha256$") and verify_pin("2468", first["pin_hash"])
    assert show("pin_hash", "pin", first["pin_hash"]) == ""  # never shown back
    kept = document_from_form("officers", {**form, "officers.0.pin_hash": ""}, {**doc, "officers": [first]})
    assert kept["officers"][0]["pin_hash"] == first["pin_hash"]
    with pytest.raises(ConfigError, match="PIN of 4 to 12 digits"):
        document_from_form("officers", {**form, "officers.0.pin_hash": "12a"}, doc)
    parse_config({**doc, "device": {}, "officers": [first] + doc["officers"][1:]})  # the schema takes it
