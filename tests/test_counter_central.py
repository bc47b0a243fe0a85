"""The counter against a real central on loopback: concurrent calling, ratings delivered by
the outbox and visible in the satisfaction report, offline typed calls that reconcile."""
from __future__ import annotations

import datetime as dt
import threading
import tomllib
import uuid
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import select

from benchmarks.sync_support import enrolment_code, start_central
from kiosk.contract.config import SAMPLE_CONFIG, parse_config
from kiosk.contract.events import Event
from kiosk.contract.leases import MAX_LEASE_COUNT, LeaseRequest
from kiosk.contract.wire import TicketIssued
from kiosk.counter import CounterOffline, CounterService
from kiosk.counter.client import CounterClient
from kiosk.health import HealthBoard
from kiosk.storage import open_database
from kiosk.sync.client import CentralClient
from kiosk.sync.sender import OutboxSender
from tests.faultproxy import FaultProxy

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def central(tmp_path):
    c = start_central(tmp_path)
    yield c
    c.stop()


def enrol(central, role: str, counters: list[int] | None = None) -> dict:
    code = enrolment_code(central, role=role, counters=counters)
    r = requests.post(f"{central.url}/api/v1/enrol", json={"code": code}, timeout=10)
    r.raise_for_status()
    return r.json()


def issue_tickets(central, service: str, prefix: str, count: int, start: int = 1) -> list[str]:
    """A lobby kiosk's ticket.issued events for today (the central calls by its own day)."""
    lobby = enrol(central, "lobby")
    client = CentralClient(central.url, lobby["token"])
    now = dt.datetime.now(dt.timezone.utc)
    day = now.astimezone(TZ).date().isoformat()
    first = None  # numbers the central leased to it (leases of at most MAX_LEASE_COUNT, in a row)
    while True:
        got = client.request_lease(LeaseRequest(request_id=uuid.uuid4().hex, service_code=service, day=day,
                                                count=min(MAX_LEASE_COUNT, start + count)))
        first = got.first if first is None else first
        if got.last - first + 1 >= start + count:
            break
    ids, events = [], []
    for i in range(count):
        tid = str(uuid.uuid4())
        ids.append(tid)
        issued = now - dt.timedelta(minutes=30) + dt.timedelta(seconds=i)
        number = first + start - 1 + i
        events.append(Event(TicketIssued(ticket_id=tid, service_code=service, day=day, number=number,
                                         display_number=f"{prefix}{number:03d}", priority_group=None,
                                         issued_at=issued), occurred_at=issued, id=tid).wire())
    body = client.post_events(lobby["device_id"], events, now)
    assert {r["status"] for r in body["results"]} == {"accepted"}
    return ids


class CounterDevice:
    def __init__(self, tmp_path, central, name: str, counters: list[int], url: str | None = None) -> None:
        answer = enrol(central, "counter", counters)
        data = tomllib.loads(SAMPLE_CONFIG.read_text(encoding="utf-8"))
        data["device"].update(id=answer["device_id"], role="counter")
        data["central"] = {"url": url or central.url, "token": answer["token"], "timeout_s": 2}
        data["counter"] = {"counters": counters}
        self.config = parse_config(data)
        self.db = open_database(tmp_path / name / "kiosk.db")
        self.central_client = CentralClient(self.config.central.url, answer["token"], timeout=2)
        self.service = CounterService(self.db, self.config, client=CounterClient(self.central_client))
        self.sender = OutboxSender(self.db, self.central_client, answer["device_id"], HealthBoard(),
                                   backoff_base_s=0.01)

    def close(self) -> None:
        self.db.close()


def central_ticket(central, ticket_id):
    from central.tickets import Ticket
    with central.db.transaction() as s:
        t = s.scalar(select(Ticket).where(Ticket.ticket_id == ticket_id))
        return None if t is None else (t.status, t.counter, t.officer, t.display_number)


def report(central, group: str = "counter") -> dict:
    today = dt.date.today()
    params = {"format": "json", "group": group, "from": (today - dt.timedelta(days=2)).isoformat(),
              "to": (today + dt.timedelta(days=2)).isoformat()}
    r = requests.get(f"{central.url}/reports/satisfaction", params=params, headers=central.admin_headers, timeout=10)
    r.raise_for_status()
    return r.json()


def test_two_counters_calling_concurrently_never_get_the_same_ticket(tmp_path, central):
    ids = issue_tickets(central, "TPHT", "A", 24)
    devices = [CounterDevice(tmp_path, central, "c1", [1]), CounterDevice(tmp_path, central, "c2", [2])]
    got: dict[int, list[str]] = {1: [], 2: []}
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run(dev: CounterDevice, counter: int) -> None:
        try:
            barrier.wait()
            while True:
                cur = dev.service.call_next(counter)
                if cur is None:
                    return
                got[counter].append(cur.ticket_id)
                dev.service.complete(counter)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(d, n)) for d, n in zip(devices, (1, 2), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    assert not set(got[1]) & set(got[2])
    assert sorted(got[1] + got[2]) == sorted(ids)
    assert got[1] and got[2]  # both really called
    assert central_ticket(central, got[1][0])[:2] == ("served", 1)
    for d in devices:
        d.close()


def test_complete_rating_flush_shows_in_the_central_report(tmp_path, central):
    ids = issue_tickets(central, "TPHT", "A", 2)
    dev = CounterDevice(tmp_path, central, "c1", [1])
    cur = dev.service.call_next(1)
    assert cur.ticket_id == ids[0] and cur.display_number == "A001" and cur.officer == "nv01"
    dev.service.recall(1)
    dev.service.complete(1, dossier_code="000.00.12.H12-261123-0001")
    dev.service.rate_press(1, 1, "bus:0x81")  # Rất hài lòng
    second = dev.service.call_next(1)
    dev.service.complete(1)
    dev.service.rate_press(1, 3, "bus:0x81")  # Không hài lòng ...
    dev.service.choose_reason(1, "long_wait")  # ... because of the wait
    result = dev.sender.flush()
    assert result.error is None and result.delivered >= 2 and result.dead_lettered == 0
    assert central_ticket(central, cur.ticket_id)[:3] == ("served", 1, "nv01")
    rows = {r["key"]: r for r in report(central)["rows"]}
    assert (rows["1"]["very_satisfied"], rows["1"]["unsatisfied"], rows["1"]["total"]) == (1, 1, 2)
    assert rows["1"]["served"] == 2
    by_officer = {r["key"]: r for r in report(central, "officer")["rows"]}
    assert by_officer["nv01"]["total"] == 2
    from central.ratings import Rating
    with central.db.transaction() as s:
        reasons = {r.ticket_id: r.reason for r in s.scalars(select(Rating))}
    assert reasons == {cur.ticket_id: None, second.ticket_id: "long_wait"}
    dev.sender.flush()  # nothing more, no duplicates
    assert report(central)["totals"]["total"] == 2
    dev.close()


def test_offline_typed_call_reconciles_when_the_outbox_is_delivered(tmp_path, central):
    ids = issue_tickets(central, "TPHT", "A", 3)
    host, port = central.url.removeprefix("http://").split(":")
    proxy = FaultProxy(host, int(port))
    dev = CounterDevice(tmp_path, central, "c1", [1], url=proxy.url)
    try:
        assert dev.service.refresh_queue() == 3  # cached while online
        proxy.mode = "down"
        with pytest.raises(CounterOffline):
            dev.service.call_next(1)
        cur = dev.service.call_typed(1, "2")  # the officer types "2": A002
        assert (cur.ticket_id, cur.display_number, cur.source) == (ids[1], "A002", "offline")
        dev.service.complete(1)
        dev.service.rate_press(1, 2, "bus:0x81")
        assert dev.sender.flush().error is not None  # still down: kept
        proxy.mode = "pass"
        dev.sender.clock = lambda: dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=10)  # backoff over
        result = dev.sender.flush()
        assert result.error is None and result.dead_lettered == 0
        assert central_ticket(central, ids[1])[:2] == ("served", 1)
        rows = {r["key"]: r for r in report(central)["rows"]}
        assert rows["1"]["satisfied"] == 1
        # back online, the central's queue skips the ticket served offline
        nxt = dev.service.call_next(1)
        assert nxt.ticket_id == ids[0]
    finally:
        proxy.close()
        dev.close()
