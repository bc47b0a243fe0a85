"""Number leases: disjoint blocks, never in the offline fallback zone, 409 when exhausted."""
from __future__ import annotations

import tomllib
from concurrent.futures import ThreadPoolExecutor

from central_helpers import Central, event, issued
from sqlalchemy import select

from central.leases import Lease
from kiosk.contract.config import SAMPLE_CONFIG

DAY = "2026-11-23"


def lease(dev, service: str = "TPHT", count: int = 20, day: str = DAY):
    return dev.post("/api/v1/leases", json={"service_code": service, "day": day, "count": count})


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
    assert lease(kiosks[0], day="2026-11-24").json()["first"] == 1  # per day


def test_exhausted_space_gives_409_and_partial_last_lease(central: Central) -> None:
    doc = tomllib.loads(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    doc["services"][0]["digits"] = 2
    doc["numbering"] = {"fallback_block_size": 5, "max_devices": 4}  # fallback 80-99, leases 1-79
    central.import_doc(doc)
    dev = central.enrol("lobby")
    assert lease(dev, count=50).json()["last"] == 50
    partial = lease(dev, count=50).json()
    assert (partial["first"], partial["last"]) == (51, 79)
    r = lease(dev, count=1)
    assert r.status_code == 409 and "exhausted" in r.json()["detail"]
    assert lease(dev, service="NOPE").status_code == 404
    assert lease(dev, count=0).status_code == 422
    assert lease(dev, day="23/11/2026").status_code == 422
    assert lease(central.enrol("counter")).status_code == 403


def test_issued_tickets_count_against_their_lease(central: Central) -> None:
    dev = central.enrol("lobby")
    a = lease(dev, count=10).json()
    b = lease(dev, count=10).json()
    first = issued("t1", a["first"], day=DAY)
    first["payload"]["central_lease_id"] = a["lease_id"]
    second = issued("t2", b["first"] + 1, day=DAY)  # no lease id: matched by range
    fallback = issued("t3", 999, day=DAY)
    r = dev.send(first, second, fallback, event("audit", {"action": "x"}))
    assert [x["status"] for x in r.json()["results"]] == ["accepted"] * 4
    dev.send(first)  # a duplicate does not count twice
    with central.db.transaction() as s:
        used = {x.id: x.used for x in s.scalars(select(Lease))}
    assert used == {a["lease_id"]: 1, b["lease_id"]: 1}
    with central.admin() as c:
        rows = c.get("/api/v1/admin/leases", params={"day": DAY, "service": "TPHT"}).json()
    assert [(x["first"], x["last"], x["used"], x["device_id"]) for x in rows] == [(1, 10, 1, dev.device_id),
                                                                                (11, 20, 1, dev.device_id)]
