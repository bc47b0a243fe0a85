"""The dossier served is recorded (issue 14): receipts scanned (or typed) while serving are linked
to the ticket durably, each with its ticket.dossier_linked outbox event; hostile scans refused."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from kiosk.contract.wire import TicketDossierLinked
from kiosk.counter import CounterError, CounterService
from kiosk.storage import open_database
from kiosk.storage.dossiers import DossierLink
from kiosk.storage.outbox import OutboxEvent
from tests.conftest import FakeClock
from tests.counter_support import Mono, counter_config

UTC = dt.timezone.utc
CODE = "000.00.12.H12-261123-0001"


@pytest.fixture
def db(tmp_path):
    d = open_database(tmp_path / "kiosk.db")
    yield d
    d.close()


@pytest.fixture
def svc(db):
    return CounterService(db, counter_config(), clock=FakeClock(dt.datetime(2026, 11, 23, 2, 0, tzinfo=UTC)),
                          monotonic=Mono())


def linked_events(db) -> list[dict]:
    with db.transaction() as s:
        rows = s.scalars(select(OutboxEvent).where(OutboxEvent.type == "ticket.dossier_linked")
                         .order_by(OutboxEvent.seq)).all()
        return [TicketDossierLinked.model_validate(json.loads(r.payload)).model_dump() for r in rows]


def test_scans_while_serving_link_each_dossier_once_and_the_rating_names_the_first(db, svc):
    with pytest.raises(CounterError) as exc:
        svc.link_dossier(3, CODE)
    assert exc.value.code == "idle"
    cur = svc.call_typed(3, "B001")
    got = [svc.on_scan(3, CODE.encode() + b"\r\n"),                               # scanner bytes
           svc.on_scan(3, f"https://dichvucong.gov.vn/tra-cuu?maHoSo={CODE}"),   # a receipt link with the code
           svc.on_scan(3, "000.00.12.h12-20261123-0000042")]                      # typed, lower case, 8+7 format
    assert got == ["linked", "again", "linked"]
    assert svc.linked_dossiers(3) == [CODE, "000.00.12.H12-20261123-0000042"]
    assert [(e["ticket_id"], e["counter"], e["officer"], e["dossier_code"]) for e in linked_events(db)] == [
        (cur.ticket_id, 3, "nv03", CODE), (cur.ticket_id, 3, "nv03", "000.00.12.H12-20261123-0000042")]
    svc.complete(3)
    assert svc.linked_dossiers(3) == []
    svc.rate_press(3, 1, "touch", now=1002)
    with db.transaction() as s:
        rated = json.loads(s.scalar(select(OutboxEvent.payload).where(OutboxEvent.type == "rating.recorded")))
    assert rated["dossier_code"] == CODE


@pytest.mark.parametrize("scan, code", [
    ("000.00.12.H62-261123-0001", "other_agency"),            # received by another agency
    ("079123456789|025123456|Nguyen Van A|01011990", "not_a_dossier"),  # a citizen's ID card
    ("https://evil.example/x?maHoSo=000.00.12.H12-261123-0001", "not_a_dossier"),  # a link off gov.vn
    ("https://dichvucong.gov.vn/hs?id=12345", "not_a_dossier"),  # an id, no code: type the code
    ("000.00.12.H12-261399-0001", "not_a_dossier"),           # no such date
    ("\x00\x01garbage" * 100, "not_a_dossier"),
])
def test_hostile_scans_are_refused_and_nothing_is_linked(db, svc, scan, code):
    svc.call_typed(3, "B001")
    with pytest.raises(CounterError) as exc:
        svc.link_dossier(3, scan)
    assert exc.value.code == code
    with db.transaction() as s:
        assert s.scalars(select(DossierLink)).all() == []
    assert linked_events(db) == []
