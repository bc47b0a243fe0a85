"""POST /api/v1/events: idempotency, per-event rejection, malformed and oversized batches, skew."""
from __future__ import annotations

import datetime as dt
import json
import uuid

from central_helpers import Central, event, issued, now
from sqlalchemy import func, select

from central.devices import Device
from central.events import IngestBatch, StoredEvent
from central.tickets import Ticket


def count(central: Central, model: type = StoredEvent) -> int:
    with central.db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model))


def heartbeat(**extra: object) -> dict:
    return event("device.heartbeat", {"version": "0.1.0", "uptime_s": 12.5, **extra})


def test_same_batch_twice_is_stored_once(any_central: Central) -> None:
    dev = any_central.enrol("lobby")
    events = [issued(f"t{i}", i) for i in range(1, 6)] + [heartbeat()]
    first = dev.send(*events)
    assert first.status_code == 200, first.text
    assert [r["status"] for r in first.json()["results"]] == ["accepted"] * 6
    again = dev.send(*events)
    assert [r["status"] for r in again.json()["results"]] == ["duplicate"] * 6
    assert count(any_central) == 6 and count(any_central, Ticket) == 5
    repeated = heartbeat()
    r = dev.send(repeated, repeated)
    assert [x["status"] for x in r.json()["results"]] == ["accepted", "duplicate"]
    assert count(any_central, IngestBatch) == 3


def test_rejected_event_does_not_block_the_others(any_central: Central) -> None:
    dev = any_central.enrol("lobby")
    good1, good2 = issued("t1", 1), heartbeat()
    unknown = event("ticket.teleported", {"ticket_id": "t1"})
    missing = event("ticket.called", {"ticket_id": "t1", "counter": 1})
    bad_level = event("rating.recorded", {"rating_id": "r1", "ticket_id": "t1", "counter": 1, "officer": "nv01",
                                          "level": "meh"})
    r = dev.send(good1, unknown, missing, bad_level, good2)
    assert r.status_code == 200
    res = r.json()["results"]
    assert [x["status"] for x in res] == ["accepted", "rejected", "rejected", "rejected", "accepted"]
    assert "unknown event type" in res[1]["reason"]
    assert res[2]["reason"] == "ticket.called payload lacks officer"
    assert "level" in res[3]["reason"]
    assert count(any_central) == 2


def test_device_id_must_match_the_token(central: Central) -> None:
    dev = central.enrol("lobby")
    r = dev.send(heartbeat(), device_id=str(uuid.uuid4()))
    assert r.status_code == 200
    assert r.json()["results"][0] == {"id": r.json()["results"][0]["id"], "status": "rejected",
                                      "reason": "device_id does not match the token's device"}
    assert count(central) == 0


def test_malformed_oversized_and_too_long_batches_store_nothing(any_central: Central) -> None:
    dev = any_central.enrol("lobby")
    with dev.client() as c:
        r = c.post("/api/v1/events", content=b'{"device_id": "x", "events": [', headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and "not valid JSON" in r.json()["detail"]
        body = {"device_id": dev.device_id, "sent_at": now().isoformat(),
                "events": [issued("t1", 1), {"id": "e2", "type": "audit", "occurred_at": "yesterday", "payload": {}}]}
        r = c.post("/api/v1/events", json=body)
        assert r.status_code == 422 and "events[1].occurred_at" in r.json()["detail"]
        naive = {**body, "events": [issued("t1", 1)], "sent_at": "2026-01-01T10:00:00"}
        assert c.post("/api/v1/events", json=naive).status_code == 422
        big = {"device_id": dev.device_id, "sent_at": now().isoformat(),
               "events": [event("audit", {"action": "x" * 3000}) for _ in range(800)]}
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
                "events": [event("audit", {"action": "a"}) for _ in range(1001)]}
        r = c.post("/api/v1/events", json=many)
        assert r.status_code == 413 and "at most 1000" in r.json()["detail"]
    assert count(any_central) == 0 and count(any_central, Ticket) == 0


def test_clock_skew_is_measured_and_corrected(central: Central) -> None:
    dev = central.enrol("lobby")
    device_clock = now() - dt.timedelta(minutes=10)  # the kiosk's clock is 10 minutes slow
    ev = issued("t1", 1, at=device_clock - dt.timedelta(seconds=30))
    r = dev.send(ev, sent_at=device_clock)
    skew_ms = r.json()["skew_ms"]
    assert abs(skew_ms - 600_000) < 5_000
    with central.db.transaction() as s:
        stored = s.get(StoredEvent, ev["id"])
        assert stored.occurred_at == dt.datetime.fromisoformat(ev["occurred_at"])
        assert abs((stored.corrected_occurred_at - stored.occurred_at).total_seconds() * 1000 - skew_ms) < 1
        ticket = s.get(Ticket, (stored.centre_id, "t1"))
        assert abs((now() - ticket.issued_at).total_seconds() - 30) < 5  # issue time on the server's clock
        assert s.get(Device, dev.device_id).last_skew_ms == skew_ms


def test_heartbeats_and_health_reach_the_fleet_view(central: Central) -> None:
    dev = central.enrol("lobby", name="Sảnh A")
    t0 = now()
    dev.send(heartbeat(disk_free_mb=512.0, outbox_backlog=3, health_flags=["printer:paper_low"]),
             event("device.health", {"device": "printer", "state": "degraded", "detail": "paper low"}, t0),
             event("device.health", {"device": "printer", "state": "ok", "detail": ""}, t0 - dt.timedelta(seconds=5)))
    with central.admin() as c:
        view = c.get("/api/v1/fleet").json()
        html = c.get("/api/v1/fleet", params={"format": "html"})
    d = view["devices"][0]
    assert d["name"] == "Sảnh A" and d["version"] == "0.1.0" and d["online"] and d["outbox_backlog"] == 3
    assert d["health_flags"] == ["printer:paper_low"] and d["disk_free_mb"] == 512.0
    assert d["components"] == [{"component": "printer", "state": "degraded", "detail": "paper low",
                                "reported_at": d["components"][0]["reported_at"]}]
    assert html.status_code == 200 and "Tình trạng thiết bị" in html.text and "Sảnh A" in html.text
