"""Number leases: disjoint blocks, never in the offline fallback zone, 409 when exhausted."""
from __future__ import annotations

import datetime as dt
import tomllib
import uuid
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

import pytest
from central_helpers import Central, event, issued
from sqlalchemy import select

from central.devices import Device as CentralDevice
from central.leases import Lease, LeaseError, allocate
from kiosk.contract.config import SAMPLE_CONFIG
from kiosk.contract.leases import MAX_LEASE_COUNT, LeaseRequest
from kiosk.contract.numbering import device_day_cap
from kiosk.contract.wire import Audit

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
# Today in the centre's zone: fallback tickets of DAY must stay inside the central's clock window.
TODAY = dt.datetime.now(HANOI).date()
DAY = TODAY.isoformat()
NEXT_DAY = (TODAY + dt.timedelta(days=1)).isoformat()


def lease(dev, service: str = "XD", count: int = 20, day: str = DAY, request_id: str | None = None):
    return dev.post("/api/v1/leases", json={"service_code": service, "day": day, "count": count,
                                            "request_id": request_id or str(uuid.uuid4())})


def numbers(body: dict) -> set[int]:
    return set(range(body["first"], body["last"] + 1))


def test_leases_are_disjoint_across_kiosks_and_below_the_fallback_zone(any_central: Central) -> None:
    kiosks = [any_central.enrol("lobby") for _ in range(3)]

    def grab(i: int) -> dict:
        r = lease(kiosks[i % 3], count=7)
        assert r.status_code == 200, r.text
        return r.json()

    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(grab, range(60)))
    seen: set[int] = set()
    for body in got:
        assert body["last"] - body["first"] + 1 == 7 and body["day"] == DAY
        assert not numbers(body) & seen
        seen |= numbers(body)
    assert seen == set(range(1, 421))  # handed out from 1 upward without gaps
    assert max(seen) <= 999 - 10 * 20  # fallback blocks [800, 999] never leased
    other = lease(kiosks[0], service="DD").json()
    assert other["first"] == 1  # per service
    assert lease(kiosks[0], day=NEXT_DAY).json()["first"] == 1  # per day


def test_exhausted_space_gives_409_and_partial_last_lease(central: Central) -> None:
    doc = tomllib.loads(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    doc["services"][0]["digits"] = 2
    doc["numbering"] = {"fallback_block_size": 5, "max_devices": 4}  # fallback 80-99, leases 1-79
    central.import_doc(doc)
    dev = central.enrol("lobby")
    assert lease(dev, service="TPHT", count=50).json()["last"] == 50
    partial = lease(dev, service="TPHT", count=50).json()
    assert (partial["first"], partial["last"]) == (51, 79)
    r = lease(dev, service="TPHT", count=1)
    assert r.status_code == 409 and r.json()["detail"]["reason"] == "exhausted"
    assert "1-79 are all leased" in r.json()["detail"]["message"]
    assert lease(dev, service="NOPE").status_code == 404
    assert lease(dev, count=0).status_code == 422
    assert lease(dev, day="23/11/2026").status_code == 422
    assert lease(central.enrol("counter")).status_code == 403


def test_issued_tickets_count_against_their_lease(central: Central) -> None:
    dev = central.enrol("lobby")
    at = dt.datetime.now(dt.timezone.utc)
    day = at.astimezone(HANOI).date().isoformat()
    a = lease(dev, service="TPHT", count=10, day=day).json()
    b = lease(dev, service="TPHT", count=10, day=day).json()
    first = issued(dev, "t1", number=a["first"], at=at)
    first["payload"]["central_lease_id"] = a["lease_id"]
    second = issued(dev, "t2", number=b["first"] + 1, at=at)  # no lease id: matched by range
    fallback = issued(dev, "t3", at=at)  # its own fallback block
    r = dev.send(first, second, fallback, event(Audit(action="x")))
    assert [x["status"] for x in r.json()["results"]] == ["accepted"] * 4
    dev.send(first)  # a duplicate does not count twice
    with central.db.transaction() as s:
        used = {x.id: x.used for x in s.scalars(select(Lease))}
    assert used == {a["lease_id"]: 1, b["lease_id"]: 1}
    with central.admin() as c:
        rows = c.get("/api/v1/admin/leases", params={"day": day, "service": "TPHT"}).json()
    assert [(x["first"], x["last"], x["used"], x["device_id"]) for x in rows] == [(1, 10, 1, dev.device_id),
                                                                                (11, 20, 1, dev.device_id)]


def test_a_retried_request_gets_the_same_lease(any_central: Central) -> None:
    dev = any_central.enrol("lobby")
    key = str(uuid.uuid4())
    first = lease(dev, request_id=key).json()
    again = lease(dev, request_id=key)  # e.g. the answer was lost to a timeout and the kiosk retries
    assert again.status_code == 200 and again.json() == first
    assert lease(dev).json()["first"] == first["last"] + 1  # a new key: a new block
    other = lease(dev, day=NEXT_DAY, request_id=key)
    assert other.status_code == 422 and "already used" in other.json()["detail"]
    with any_central.db.transaction() as s:
        assert len(s.scalars(select(Lease)).all()) == 2


def test_one_kiosk_cannot_take_every_number(central: Central) -> None:
    kiosks = [central.enrol("lobby") for _ in range(3)]
    assert lease(kiosks[0], count=1000).status_code == 422  # over MAX_LEASE_COUNT per request
    granted = 0
    while (r := lease(kiosks[0], count=MAX_LEASE_COUNT)).status_code == 200:
        granted += r.json()["last"] - r.json()["first"] + 1
    assert r.status_code == 409 and r.json()["detail"]["reason"] == "device_cap"
    assert granted == device_day_cap(799, 20, 3) < 799
    for other in kiosks[1:]:  # the others still get their share
        body = lease(other, count=MAX_LEASE_COUNT).json()
        assert body["last"] - body["first"] + 1 == MAX_LEASE_COUNT


def quota_doc(daily: int | None = None, windows: list | None = None) -> dict:
    doc = tomllib.loads(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    xd = next(s for s in doc["services"] if s["code"] == "XD")
    if daily is not None:
        xd["daily_quota"] = daily
    if windows is not None:
        xd["windows"] = windows
    return doc


def test_the_daily_quota_is_centre_wide(any_central: Central) -> None:
    any_central.import_doc(quota_doc(daily=5))
    a, b = any_central.enrol("lobby"), any_central.enrol("lobby")
    got = []
    for dev in (a, b, a, b, a, b):
        r = lease(dev, count=20)
        if r.status_code == 200:
            got.append(r.json()["last"] - r.json()["first"] + 1)
        else:
            assert r.status_code == 409 and r.json()["detail"]["reason"] == "quota_day"
    assert sum(got) == 5 and max(got) <= 2  # never past the quota; one request gets a share, not all


def test_fallback_numbers_count_against_the_quota_when_they_sync(central: Central) -> None:
    central.import_doc(quota_doc(daily=4))
    dev = central.enrol("lobby")
    # issued offline from the kiosk's own fallback block, then synced
    at = dt.datetime.now(dt.timezone.utc)
    for i in range(3):
        ev = issued(dev, f"fb{i}", service="XD", at=at)
        assert dev.send(ev).json()["results"][0]["status"] == "accepted"
    body = lease(dev, count=20).json()
    assert body["last"] - body["first"] + 1 == 1  # 4 - 3 fallback numbers
    assert lease(dev).json()["detail"]["reason"] == "quota_day"


def test_window_quota_leases_only_in_the_open_window(central: Central) -> None:
    central.import_doc(quota_doc(windows=[{"start": "07:30", "end": "11:30", "quota": 3},
                                          {"start": "13:30", "end": "17:00"}]))
    dev = central.enrol("lobby")
    monday = TODAY + dt.timedelta(days=-TODAY.weekday() % 7)  # the sessions are on working days
    morning = dt.datetime.combine(monday, dt.time(9, 0), HANOI)  # allocate is given its clock
    day = monday.isoformat()
    with central.db.transaction() as s:
        device = s.get(CentralDevice, dev.device_id)
        first = allocate(s, device, LeaseRequest(request_id="r-00000001", service_code="XD", day=day, count=20),
                         morning)
        assert (first.first, first.last, first.window) == (1, 3, "07:30")
        with pytest.raises(LeaseError) as refused:
            allocate(s, device, LeaseRequest(request_id="r-00000002", service_code="XD", day=day, count=1), morning)
        assert refused.value.reason == "quota_window"
        with pytest.raises(LeaseError) as lunch:
            allocate(s, device, LeaseRequest(request_id="r-00000003", service_code="XD", day=day, count=1),
                     morning + dt.timedelta(hours=3))
        assert lunch.value.reason == "window_closed"
        afternoon = allocate(s, device, LeaseRequest(request_id="r-00000004", service_code="XD", day=day, count=20),
                             morning + dt.timedelta(hours=5))
        assert (afternoon.first, afternoon.last, afternoon.window) == (4, 23, "13:30")


def test_no_numbers_are_leased_for_a_holiday(any_central: Central) -> None:
    doc = quota_doc()
    doc["calendar"] = [{"date": DAY, "name": "Tết Nguyên Đán"}, {"date": "2026-11-24", "kind": "closed", "name": "Mất điện"}]
    any_central.import_doc(doc)
    dev = any_central.enrol("lobby")
    refused = lease(dev)
    assert refused.status_code == 409
    assert refused.json()["detail"]["reason"] == "day_off" and "Tết Nguyên Đán" in refused.json()["detail"]["message"]
    assert lease(dev, day="2026-11-24").json()["detail"]["reason"] == "day_off"
    assert lease(dev, day="2026-11-25").status_code == 200  # the next working day
