"""Counters hammering call-next at once never get the same ticket (SQLite and PostgreSQL)."""
from __future__ import annotations

import datetime as dt
import uuid
import threading
import time
from collections import Counter as Tally

from central_helpers import Central, issued, now
from sqlalchemy import func, select

from central.tickets import Ticket

# counter -> services (sample centre): 1 TPHT; 2 TPHT, CT; 3 DD, TNMT; 4 DD, XD; 8 NNPTNT, VHTTDL, CT
COUNTERS = [1, 1, 2, 2, 3, 3, 4, 8]  # two threads per busy counter: also races the one-ticket rule


def test_concurrent_call_next_never_returns_a_ticket_twice(any_central: Central) -> None:
    kiosk = any_central.enrol("lobby")
    base = now() - dt.timedelta(hours=1)
    events = []
    day = issued(kiosk, "probe", number=1)["payload"]["day"]
    lease = {s: kiosk.post("/api/v1/leases", json={"request_id": uuid.uuid4().hex, "service_code": s, "day": day,
                                                   "count": 50}).json()["first"] for s in ("TPHT", "CT", "DD")}
    for i in range(150):
        service = ("TPHT", "CT", "DD")[i % 3]
        events.append(issued(kiosk, f"{service}-{i}", service=service, priority="elderly" if i % 5 == 0 else None,
                             at=base + dt.timedelta(seconds=i), number=lease[service] + i // 3))
    assert {r["status"] for r in kiosk.send(*events).json()["results"]} == {"accepted"}
    devices = [any_central.enrol("counter") for _ in range(len(COUNTERS))]
    got: list[tuple[int, str]] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(COUNTERS))

    def work(dev, number: int) -> None:
        with dev.client() as c:
            start.wait()
            idle = 0
            while idle < 20:
                r = c.post(f"/api/v1/counters/{number}/call-next")
                if r.status_code == 409:  # the other thread of this counter is serving
                    time.sleep(0.005)  # an officer's retry, not a wait for anything
                    continue
                if r.status_code != 200:
                    errors.append(r.text)
                    return
                ticket = r.json()["ticket"]
                if ticket is None:  # every ticket was sent before the start: 20 empty answers end the work
                    idle += 1
                    time.sleep(0.01)  # the pace of an officer pressing "next" again, not a wait
                    continue
                with lock:
                    got.append((number, ticket["ticket_id"]))
                done = c.post(f"/api/v1/counters/{number}/complete")
                if done.status_code != 200 or done.json()["ticket_id"] != ticket["ticket_id"]:
                    errors.append(f"complete at {number}: {done.status_code} {done.text}")
                    return

    threads = [threading.Thread(target=work, args=(d, n)) for d, n in zip(devices, COUNTERS, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "a counter thread is still calling after 120 s"
    assert not errors, errors[:3]
    ids = [t for _, t in got]
    assert len(ids) == len(set(ids)) == 150, Tally(ids).most_common(3)
    assert {n for n, _ in got} == set(COUNTERS)  # everyone took part
    with any_central.db.transaction() as s:
        statuses = dict(s.execute(select(Ticket.status, func.count()).group_by(Ticket.status)).all())
    assert statuses == {"served": 150}
