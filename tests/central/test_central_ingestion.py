"""POST /api/v1/events: a verdict per event, idempotency per device, malformed and oversized batches, skew."""
from __future__ import annotations

import datetime as dt
import json
import uuid

from central_helpers import Central, event, heartbeat, issued, now
from sqlalchemy import func, select

from central.devices import Device
from central.events import EventConflict, IngestBatch, StoredEvent
from central.fleet import HeartbeatRow
from central.tickets import Ticket
from kiosk.contract.wire import Audit, DeviceHealth, RatingRecorded, TicketCalled, TicketPrinted


def count(central: Central, model: type = StoredEvent) -> int:
    with central.db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model))


def statuses(r) -> list[str]:
    assert r.status_code == 200, r.text
    return [x["status"] for x in r.json()["results"]]


def test_same_batch_twice_is_stored_once(any_central: Central) -> None:
    dev = any_central.enrol("lobby")
    events = [issued(dev, f"t{i}") for i in range(1, 6)] + [heartbeat()]
    assert statuses(dev.send(*events)) == ["accepted"] * 6
    again = dev.send(*events)
    assert statuses(again) == ["duplicate"] * 6
    assert {x["reason"] for x in again.json()["results"]} == {"same_event"}
    # heartbeats are the device's state and a bounded history, not stored events
    assert count(any_central) == 5 and count(any_central, Ticket) == 5 and count(any_central, HeartbeatRow) == 1
    repeated = heartbeat()
    assert statuses(dev.send(repeated, repeated)) == ["accepted", "duplicate"]
    assert count(any_central, IngestBatch) == 3


def test_same_id_with_another_content_is_a_conflict_kept_for_audit(any_central: Central) -> None:
    dev = any_central.enrol("lobby")
    first = event(Audit(action="technician.entered", actor="technician"))
    assert statuses(dev.send(first)) == ["accepted"]
    changed = {**first, "payload": {**first["payload"], "action": "technician.left"}}
    r = dev.send(changed)
    assert statuses(r) == ["conflict"] and r.json()["results"][0]["reason"] == "different_payload"
    assert statuses(dev.send(first, changed)) == ["duplicate", "conflict"]  # and in one batch
    with any_central.db.transaction() as s:
        kept = s.scalars(select(EventConflict)).all()
        stored = s.get(StoredEvent, (dev.device_id, first["id"]))
    assert [c.payload["action"] for c in kept] == ["technician.left", "technician.left"]
    assert stored.payload["action"] == "technician.entered"  # the first content stays
    assert count(any_central, IngestBatch) == 3 and count(any_central) == 1


def test_another_devices_id_never_swallows_an_event(any_central: Central) -> None:
    display, lobby = any_central.enrol("display"), any_central.enrol("lobby")
    ticket_id = str(uuid.uuid4())  # printed in the ticket's QR, so anyone can read it
    assert statuses(display.send(event(Audit(action="x"), id_=ticket_id))) == ["accepted"]
    assert statuses(lobby.send(issued(lobby, ticket_id))) == ["accepted"]
    r = lobby.get("/api/v1/queue", params={"service": "TPHT"})
    assert [t["ticket_id"] for t in r.json()["waiting"]] == [ticket_id]


def test_rejected_event_does_not_block_the_others(any_central: Central) -> None:
    dev = any_central.enrol("lobby")
    good1, good2 = issued(dev, "t1"), heartbeat()
    unknown = {**event(Audit(action="x")), "type": "ticket.teleported"}
    missing = issued(dev, "t2")
    del missing["payload"]["issued_at"]
    r = dev.send(good1, unknown, missing, good2)
    assert statuses(r) == ["accepted", "rejected", "rejected", "accepted"]
    res = r.json()["results"]
    assert res[1]["reason"] == "unknown_type" and "ticket.teleported" in res[1]["message"]
    assert res[2]["reason"] == "invalid" and "payload.issued_at" in res[2]["message"]
    assert count(any_central) == 1


def test_bad_values_are_refused_one_by_one_never_a_server_error(any_central: Central) -> None:
    """Each value took the central down (500) before; now each is its event's own rejection."""
    lobby, counter = any_central.enrol("lobby"), any_central.enrol("counter")

    def bad(ev: dict, **payload: object) -> dict:
        return {**ev, "payload": {**ev["payload"], **payload}}

    lobby_bad = [
        bad(issued(lobby, "n1"), number=10**30),
        bad(issued(lobby, "n2"), priority_group={"code": "elderly"}),
        bad(issued(lobby, "n3"), service_code=["TPHT"]),
        bad(issued(lobby, "n4"), display_number="A" * 17),
        bad(issued(lobby, "n5"), ticket_id="bad\x00id"),
        bad(heartbeat(), outbox_backlog=10**30),
    ]
    good = [issued(lobby, f"g{i}") for i in range(3)]
    r = lobby.send(*lobby_bad, *good)
    assert statuses(r) == ["rejected"] * len(lobby_bad) + ["accepted"] * 3
    assert {x["reason"] for x in r.json()["results"][:len(lobby_bad)]} == {"invalid"}
    called = event(TicketCalled(ticket_id="g0", counter=1, officer="nv01"))
    counter_bad = [bad(called, counter="²"), bad(called, officer="x" * 65), bad(called, counter=2**40)]
    assert statuses(counter.send(*counter_bad, called)) == ["rejected"] * 3 + ["accepted"]
    # 1e999 is infinity once parsed, NaN is not a number: sent as raw JSON text, each refused alone
    body = json.dumps({"device_id": lobby.device_id, "sent_at": now().isoformat(),
                       "events": [heartbeat(uptime_s=1.0), heartbeat(uptime_s=2.0), issued(lobby, "g9")]})
    body = body.replace('"uptime_s": 1.0', '"uptime_s": 1e999').replace('"uptime_s": 2.0', '"uptime_s": NaN')
    with lobby.client() as c:
        r = c.post("/api/v1/events", content=body, headers={"Content-Type": "application/json"})
        assert statuses(r) == ["rejected", "rejected", "accepted"]
        for sent_at in ("9999-12-31T00:00:00+00:00", "0001-01-01T00:00:00+14:00"):  # a broken clock
            r = c.post("/api/v1/events", json={"device_id": lobby.device_id, "sent_at": sent_at,
                                                "events": [issued(lobby, "g7"), heartbeat()]})
            assert statuses(r) == ["rejected"] * 2 and r.json()["clock_ok"] is False
            assert {x["reason"] for x in r.json()["results"]} == {"clock"}
        r = c.post("/api/v1/events", json={"device_id": lobby.device_id, "sent_at": now().isoformat(),
                                            "events": [{**issued(lobby, "g8"), "id": "nul\x00"}]})
        assert r.status_code == 422 and "events[0].id" in r.json()["detail"]
    with any_central.admin() as c:
        fleet = c.get("/api/v1/fleet")
    assert fleet.status_code == 200
    assert count(any_central, Ticket) == 4


def test_device_id_must_match_the_token(central: Central) -> None:
    dev = central.enrol("lobby")
    r = dev.send(heartbeat(), device_id=str(uuid.uuid4()))
    v = r.json()["results"][0]
    assert (v["status"], v["reason"]) == ("rejected", "wrong_device")
    assert count(central) == 0 and count(central, HeartbeatRow) == 0


def test_malformed_oversized_and_too_long_batches_store_nothing(any_central: Central) -> None:
    dev = any_central.enrol("lobby")
    with dev.client() as c:
        r = c.post("/api/v1/events", content=b'{"device_id": "x", "events": [', headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and "not valid JSON" in r.json()["detail"]
        body = {"device_id": dev.device_id, "sent_at": now().isoformat(), "events": [issued(dev, "t1"), "yesterday"]}
        r = c.post("/api/v1/events", json=body)
        assert r.status_code == 422 and "events[1]" in r.json()["detail"]
        assert isinstance(r.json()["errors"], list)
        naive = {**body, "events": [issued(dev, "t1")], "sent_at": "2026-01-01T10:00:00"}
        assert c.post("/api/v1/events", json=naive).status_code == 422
        big = {"device_id": dev.device_id, "sent_at": now().isoformat(),
               "events": [event(Audit(action="x", detail={"note": "x" * 3000})) for _ in range(800)]}
        raw = json.dumps(big).encode()
        assert len(raw) > 2 * 1024 * 1024
        r = c.post("/api/v1/events", content=raw, headers={"Content-Type": "application/json"})
        assert r.status_code == 413

        def chunks():  # no Content-Length: the limit is enforced while reading
            for i in range(0, len(raw), 65536):
                yield raw[i:i + 65536]
        r = c.post("/api/v1/events", content=chunks(), headers={"Content-Type": "application/json"})
        assert r.status_code == 413
        many = {"device_id": dev.device_id, "sent_at": now().isoformat(),
                "events": [event(Audit(action="a")) for _ in range(1001)]}
        r = c.post("/api/v1/events", json=many)
        assert r.status_code == 413 and "at most 1000" in r.json()["detail"]
    assert count(any_central) == 0 and count(any_central, Ticket) == 0


def test_clock_skew_is_measured_and_corrected(central: Central) -> None:
    dev = central.enrol("lobby")
    device_clock = now() - dt.timedelta(minutes=10)  # the kiosk's clock is 10 minutes slow
    ev = issued(dev, "t1", at=device_clock - dt.timedelta(seconds=30))
    r = dev.send(ev, sent_at=device_clock)
    skew_ms = r.json()["skew_ms"]
    assert abs(skew_ms - 600_000) < 5_000 and r.json()["clock_ok"] is False
    with central.db.transaction() as s:
        stored = s.get(StoredEvent, (dev.device_id, ev["id"]))
        assert stored.occurred_at == dt.datetime.fromisoformat(ev["occurred_at"])
        assert abs((stored.corrected_occurred_at - stored.occurred_at).total_seconds() * 1000 - skew_ms) < 1
        ticket = s.get(Ticket, (stored.centre_id, "t1"))
        assert abs((now() - ticket.issued_at).total_seconds() - 30) < 5  # issue time on the server's clock
        assert s.get(Device, dev.device_id).last_skew_ms == skew_ms


def test_events_outside_the_clock_window_are_refused(any_central: Central) -> None:
    dev = any_central.enrol("lobby")
    t = now()
    future = issued(dev, "f1", at=t + dt.timedelta(minutes=10))
    ancient = issued(dev, "a1", at=t - dt.timedelta(days=31))
    res = dev.send(future, ancient, sent_at=t).json()["results"]
    assert [(x["status"], x["reason"]) for x in res] == [("rejected", "clock")] * 2
    # the payload's own moment far from the event's
    late = issued(dev, "l1", at=t)
    late["payload"]["issued_at"] = (t - dt.timedelta(days=2)).isoformat()
    assert dev.send(late).json()["results"][0]["reason"] == "clock"


def test_a_ticket_dated_2000_never_jumps_the_queue(any_central: Central) -> None:
    honest, liar = any_central.enrol("lobby"), any_central.enrol("lobby")
    assert statuses(honest.send(issued(honest, "h1", at=now() - dt.timedelta(minutes=5)))) == ["accepted"]
    y2k = dt.datetime(2000, 1, 1, 8, tzinfo=dt.timezone.utc)
    # dated 2000 in a batch sent now: outside the window
    assert liar.send(issued(liar, "x1", priority="elderly", at=y2k)).json()["results"][0]["reason"] == "clock"
    # a device whose clock says 2000 but which claims today's queue
    claim = issued(liar, "x2", priority="elderly", at=y2k)
    claim["payload"]["day"] = honest.get("/api/v1/queue/summary").json()["day"]
    r = liar.send(claim, sent_at=y2k)
    assert r.json()["results"][0]["reason"] == "day_mismatch" and r.json()["clock_ok"] is False
    # what a kiosk with a dead clock battery really sends: a 2000 ticket, kept, never in today's queue
    assert statuses(liar.send(issued(liar, "x3", priority="elderly", at=y2k), sent_at=y2k)) == ["accepted"]
    waiting = honest.get("/api/v1/queue", params={"service": "TPHT"}).json()["waiting"]
    assert [t["ticket_id"] for t in waiting] == ["h1"]
    with any_central.admin() as c:
        fleet = {d["device_id"]: d for d in c.get("/api/v1/fleet").json()["devices"]}
    assert fleet[liar.device_id]["clock_ok"] is False and fleet[honest.device_id]["clock_ok"] is True
    assert abs(fleet[liar.device_id]["clock_skew_ms"]) > 26 * 365 * 86400 * 1000


def test_a_skewed_devices_ticket_queues_behind_honest_ones(any_central: Central) -> None:
    honest, skewed = any_central.enrol("lobby"), any_central.enrol("lobby")
    assert statuses(honest.send(issued(honest, "h1", at=now() - dt.timedelta(minutes=5)))) == ["accepted"]
    clock = now() - dt.timedelta(hours=3)  # 3 hours slow: same day, but not trusted
    r = skewed.send(issued(skewed, "s1", at=clock - dt.timedelta(hours=1), priority=None), sent_at=clock)
    assert statuses(r) == ["accepted"] and r.json()["clock_ok"] is False
    waiting = honest.get("/api/v1/queue", params={"service": "TPHT"}).json()["waiting"]
    assert [t["ticket_id"] for t in waiting] == ["h1", "s1"]


def test_heartbeats_and_health_reach_the_fleet_view(central: Central) -> None:
    dev = central.enrol("lobby", name="Sảnh A")
    t0 = now()
    dev.send(heartbeat(disk_free_bytes=512 * 2**20, outbox_backlog=3, dead_letters=2,
                       health={"printer": {"state": "degraded", "detail": "paper low"},
                               "central": {"state": "ok", "detail": ""}}),
             event(DeviceHealth(device="printer", state="degraded", detail="paper low"), t0),
             event(DeviceHealth(device="printer", state="ok", detail=""), t0 - dt.timedelta(seconds=5)))
    with central.admin() as c:
        view = c.get("/api/v1/fleet").json()
        html = c.get("/api/v1/fleet", params={"format": "html"})
    d = view["devices"][0]
    assert d["name"] == "Sảnh A" and d["version"] == "0.1.0" and d["online"] and d["outbox_backlog"] == 3
    assert d["disk_free_bytes"] == 512 * 2**20 and d["dead_letters"] == 2 and d["clock_ok"] is True
    assert d["health_flags"] == ["printer: paper low"]
    assert {h["component"]: h["state"] for h in d["health"]} == {"central": "ok", "printer": "degraded"}
    assert d["components"] == [{"component": "printer", "state": "degraded", "detail": "paper low",
                                "reported_at": d["components"][0]["reported_at"]}]
    assert html.status_code == 200 and "Tình trạng thiết bị" in html.text and "printer: paper low" in html.text


def test_a_heartbeat_from_the_future_never_pins_a_device_online(any_central: Central) -> None:
    dev = any_central.enrol("lobby")
    far = dt.datetime(2199, 6, 1, tzinfo=dt.timezone.utc)
    assert dev.send(heartbeat(at=far)).json()["results"][0]["reason"] == "clock"
    r = dev.send(heartbeat(at=far, outbox_backlog=9), sent_at=far)  # the device's clock says 2199
    assert statuses(r) == ["accepted"]
    r = dev.send(heartbeat(at=dt.datetime(9000, 1, 1, tzinfo=dt.timezone.utc)),
                 sent_at=dt.datetime(9000, 1, 1, tzinfo=dt.timezone.utc))
    assert statuses(r) == ["rejected"] and r.json()["results"][0]["reason"] == "clock"
    assert statuses(dev.send(heartbeat(outbox_backlog=1))) == ["accepted"]  # the real clock again
    with any_central.admin() as c:
        d = c.get("/api/v1/fleet").json()["devices"][0]
    assert d["outbox_backlog"] == 1  # the later real heartbeat is the state
    assert dt.datetime.fromisoformat(d["last_heartbeat_at"]) <= now()
    with any_central.db.transaction() as s:  # what "online" is computed from: never in the future
        seen = s.get(Device, dev.device_id).last_heartbeat_at
    assert seen <= now()


def test_heartbeat_history_is_bounded(central: Central) -> None:
    from central.fleet import HISTORY
    dev = central.enrol("display")
    t = now() - dt.timedelta(minutes=60)
    for start in range(0, HISTORY + 20, 40):
        assert set(statuses(dev.send(*[heartbeat(at=t + dt.timedelta(seconds=i))
                                       for i in range(start, start + 40)]))) == {"accepted"}
    assert count(central, HeartbeatRow) == HISTORY


def test_each_role_sends_only_its_event_types(any_central: Central) -> None:
    display, lobby = any_central.enrol("display"), any_central.enrol("lobby")
    r = display.send(issued(lobby, "d1", priority="elderly"), event(TicketCalled(ticket_id="d1", counter=1,
                                                                                 officer="nv01")),
                     heartbeat(), event(DeviceHealth(device="speech", state="ok")), event(Audit(action="x")))
    assert [(x["status"], x["reason"]) for x in r.json()["results"]] == [
        ("rejected", "role"), ("rejected", "role"), ("accepted", None), ("accepted", None), ("accepted", None)]
    assert lobby.get("/api/v1/queue", params={"service": "TPHT"}).json()["waiting"] == []
    rating = event(RatingRecorded(rating_id="r1", ticket_id=None, counter=1, officer=None, level="satisfied"))
    assert lobby.send(rating).json()["results"][0]["reason"] == "role"


def test_a_lobby_writes_only_its_own_tickets_inside_its_numbers(any_central: Central) -> None:
    a, b = any_central.enrol("lobby"), any_central.enrol("lobby")
    mine = issued(a, "ta")
    assert statuses(a.send(mine)) == ["accepted"]
    # lobby B re-posts lobby A's ticket id with another number and service
    steal = issued(b, "ta", service="CT")
    r = b.send(steal)
    assert statuses(r) == ["rejected"] and r.json()["results"][0]["reason"] == "not_your_ticket"
    again = issued(a, "ta", service="CT")  # the same event id, another content: a conflict
    assert a.send(again).json()["results"][0]["status"] == "conflict"
    again["id"] = str(uuid.uuid4())  # its own ticket, another event: never rewritten either
    assert a.send(again).json()["results"][0]["reason"] == "already_issued"
    with any_central.db.transaction() as s:
        row = s.scalar(select(Ticket).where(Ticket.ticket_id == "ta"))
        assert (row.device_id, row.service_code, row.number) == (a.device_id, "TPHT", mine["payload"]["number"])
    # numbers: neither leased to it nor in its own block (B's block, the leasable space)
    foreign = issued(a, "tb", number=b.number())
    unleased = issued(a, "tc", number=5)
    res = a.send(foreign, unleased, issued(a, "td", service="NOPE", number=990)).json()["results"]
    assert [x["reason"] for x in res] == ["number_not_leased", "number_not_leased", "unknown_service"]
    lease = a.post("/api/v1/leases", json={"request_id": uuid.uuid4().hex, "service_code": "TPHT",
                                           "day": mine["payload"]["day"], "count": 5})
    assert lease.status_code == 200, lease.text
    assert statuses(a.send(issued(a, "te", number=lease.json()["first"]))) == ["accepted"]
    printed_by_b = event(TicketPrinted(ticket_id="ta", ok=True, status="ok"))
    assert b.send(printed_by_b).json()["results"][0]["reason"] == "not_your_ticket"
    assert statuses(a.send(event(TicketPrinted(ticket_id="ta", ok=True, status="ok")))) == ["accepted"]
