"""Offline-first sync against a real central on loopback, with real faults in between."""
import datetime as dt
import json
import uuid

import pytest
import requests
from sqlalchemy import func, select

from benchmarks.sync_support import enrolled_config
from kiosk.bootstrap import build_core
from kiosk.storage.leases import NumberLease
from kiosk.storage.outbox import DeadLetter, OutboxEvent
from kiosk.sync.client import CentralClient
from kiosk.sync.service import SyncService
from tests.conftest import FakeClock

UTC = dt.timezone.utc


def make_kiosk(tmp_path, config, name="kiosk", clock=None):
    # the kiosk clock is a fixed working Monday; the central records real time and the skew
    clock = clock or FakeClock(dt.datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    core = build_core(config, tmp_path / name, clock=clock)
    client = CentralClient(config.central.url, config.central.token, timeout=config.central.timeout_s)
    return core, SyncService(core, client), clock


def central_count(central, ids):
    from central.events import StoredEvent
    with central.db.transaction() as s:
        return s.scalar(select(func.count()).select_from(StoredEvent).where(StoredEvent.id.in_(list(ids))))


def issue(core, clock, n, service="TPHT", every_s=1):
    out = []
    for _ in range(n):
        out.append(core.desk.issue(service, None, str(uuid.uuid4())))
        clock.advance(seconds=every_s)
    return out


def pending(core, type="ticket.issued"):
    """Unsent events of one type (health events come and go beside them)."""
    with core.db.transaction() as s:
        return s.scalar(select(func.count()).select_from(OutboxEvent).where(
            OutboxEvent.sent_at.is_(None), OutboxEvent.type == type))


def allow_retry_now(sync, clock):
    at = sync.sender.next_attempt_at()
    if at is not None:
        clock.now = max(clock.now, at)


def test_central_down_whole_time_then_back_nothing_lost(tmp_path, central, proxy):
    proxy.mode = "down"
    core, sync, clock = make_kiosk(tmp_path, enrolled_config(central, proxy.url))
    sync.run_once()  # no config, no leases, no delivery: the kiosk still issues tickets
    tickets = issue(core, clock, 15)
    # offline with no lease: this kiosk's own fallback block, which the central never leases
    index = core.config.central.device_index
    top = 999 - (index - 1) * 20
    assert [t.number for t in tickets[:3]] == [top - 19, top - 18, top - 17]
    sync.run_once()
    assert pending(core) == 15 and not sync.online
    first_retry = sync.sender.next_attempt_at()
    assert first_retry is not None
    # the backoff survives a restart of the program
    core.db.close()
    core, sync, _ = make_kiosk(tmp_path, core.config, clock=clock)
    assert sync.sender.next_attempt_at() == first_retry
    proxy.mode = "pass"
    allow_retry_now(sync, clock)
    sync.run_once()
    assert sync.online and pending(core) == 0
    assert central_count(central, [t.ticket_id for t in tickets]) == len(tickets)


def test_fallback_block_runs_out_then_refuses_cleanly(tmp_path, central, proxy):
    proxy.mode = "down"
    core, sync, clock = make_kiosk(tmp_path, enrolled_config(central, proxy.url))
    issue(core, clock, 20)
    from kiosk.ticketing import TicketRefused
    with pytest.raises(TicketRefused) as refused:
        core.desk.issue("TPHT", None, "one-more")
    assert refused.value.reason == "numbers_exhausted"


def test_online_leases_are_disjoint_between_kiosks(tmp_path, central):
    a, sync_a, clock_a = make_kiosk(tmp_path, enrolled_config(central), "a")
    b, sync_b, clock_b = make_kiosk(tmp_path, enrolled_config(central), "b")
    numbers = []
    for _ in range(3):
        for core, sync, clock in ((a, sync_a, clock_a), (b, sync_b, clock_b)):
            sync.run_once()
            # the central's lobby settings now apply (12 tickets a minute): pace like citizens
            numbers += [t.number for t in issue(core, clock, 9, every_s=6)]
    assert len(numbers) == len(set(numbers)) == 54
    assert max(numbers) <= 999 - 10 * 20  # never in the fallback zone
    with a.db.transaction() as s:
        sources = {row.source for row in s.scalars(select(NumberLease))}
    assert sources == {"central"}


@pytest.mark.parametrize("mode", ["http500", "slow", "cut"])
def test_faulty_central_then_recovery_delivers_exactly_once(tmp_path, central, proxy, mode):
    config = enrolled_config(central, proxy.url)
    core, sync, clock = make_kiosk(tmp_path, config)
    tickets = issue(core, clock, 12)
    proxy.mode, proxy.delay = mode, config.central.timeout_s + 1.5
    result = sync.sender.flush()
    assert result.delivered == 0 and result.error
    assert pending(core) == 12
    if mode == "cut":  # the central stored the batch; only the answer was lost
        assert central_count(central, [t.ticket_id for t in tickets]) == 12
    proxy.mode = "pass"
    allow_retry_now(sync, clock)
    result = sync.sender.flush()
    assert result.delivered == 12 and pending(core) == 0
    assert central_count(central, [t.ticket_id for t in tickets]) == 12


def test_duplicate_batch_is_acknowledged_not_stored_twice(tmp_path, central):
    core, sync, clock = make_kiosk(tmp_path, enrolled_config(central))
    tickets = issue(core, clock, 5)
    assert sync.sender.flush().delivered == 5
    with core.db.transaction() as s:  # as if the acknowledgement had been lost
        for e in s.scalars(select(OutboxEvent)):
            e.sent_at = None
    assert sync.sender.flush().delivered == 5
    assert central_count(central, [t.ticket_id for t in tickets]) == 5


def test_refused_events_go_to_dead_letters_and_never_block_the_rest(tmp_path, central):
    core, sync, clock = make_kiosk(tmp_path, enrolled_config(central))
    before = issue(core, clock, 3)
    with core.db.transaction() as s:
        # refused by the central one by one (missing payload keys)
        s.add(OutboxEvent(event_id=str(uuid.uuid4()), type="ticket.issued", occurred_at=clock.now,
                          payload=json.dumps({"ticket_id": "x"})))
        # refused as a whole request (too large): found by splitting the batch
        s.add(OutboxEvent(event_id=str(uuid.uuid4()), type="audit", occurred_at=clock.now,
                          payload=json.dumps({"action": "x" * 3_000_000})))
    after = issue(core, clock, 3)
    result = sync.sender.flush()
    assert result.delivered >= 6 and result.dead_lettered == 2
    assert pending(core) == 0 and pending(core, "audit") == 0
    with core.db.transaction() as s:
        reasons = [d.reason for d in s.scalars(select(DeadLetter))]
    assert len(reasons) == 2 and any("413" in r for r in reasons)
    assert core.health.snapshot()["outbox"].state.value == "degraded"
    assert central_count(central, [t.ticket_id for t in before + after]) == 6


@pytest.mark.parametrize("mode", ["http404", "http405", "html200"])
def test_a_misconfigured_proxy_never_destroys_the_outbox(tmp_path, central, proxy, mode):
    """A proxy answering 404 for /api/v1/events once split batches down and dead-lettered 40 of 40."""
    config = enrolled_config(central, proxy.url)
    core, sync, clock = make_kiosk(tmp_path, config)
    tickets = issue(core, clock, 20) + issue(core, clock, 20, service="DD")  # two offline fallback blocks
    proxy.mode = mode
    before = proxy.requests
    for _ in range(3):
        result = sync.sender.flush()
        assert result.delivered == 0 and result.dead_lettered == 0 and result.error
        allow_retry_now(sync, clock)
    assert pending(core) == 40
    with core.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(DeadLetter)) == 0
    flag = core.health.snapshot()["central"]
    assert flag.state.value == "failed" and "misconfigured" in flag.detail
    assert proxy.requests - before <= 3  # one request per flush: never split down
    proxy.mode = "pass"
    allow_retry_now(sync, clock)
    assert sync.sender.flush().delivered >= 40 and pending(core) == 0
    assert central_count(central, [t.ticket_id for t in tickets]) == 40


def test_one_bad_event_never_blocks_the_outbox(tmp_path, central):
    """1 bad heartbeat + 10 good events once answered 500 forever: 0 delivered after 5 flushes."""
    core, sync, clock = make_kiosk(tmp_path, enrolled_config(central))
    with core.db.transaction() as s:  # what a buggy or older kiosk may have queued
        s.add(OutboxEvent(event_id=str(uuid.uuid4()), type="device.heartbeat", occurred_at=clock.now,
                          payload=json.dumps({"version": "x", "uptime_s": 1, "outbox_backlog": 10**30})))
    tickets = issue(core, clock, 10)
    result = sync.sender.flush()
    assert result.delivered >= 10 and result.dead_lettered == 1
    assert central_count(central, [t.ticket_id for t in tickets]) == 10
    with core.db.transaction() as s:
        (reason,) = s.scalars(select(DeadLetter.reason)).all()
    assert reason.startswith("invalid: payload.outbox_backlog")


def test_revoked_token_keeps_events_and_raises_health(tmp_path, central):
    config = enrolled_config(central)
    core, sync, clock = make_kiosk(tmp_path, config)
    issue(core, clock, 4)
    requests.post(f"{central.url}/api/v1/admin/devices/{config.device.id}/revoke",
                  headers=central.admin_headers, timeout=10).raise_for_status()
    result = sync.sender.flush()
    assert result.delivered == 0 and "401" in result.error
    assert pending(core) == 4  # not dead-lettered: it is not the events' fault
    assert core.health.snapshot()["central"].state.value == "failed"


def test_config_pull_with_etag_applies_without_restart(tmp_path, central):
    from benchmarks.sync_support import sample_document
    core, sync, clock = make_kiosk(tmp_path, enrolled_config(central))
    seen = []
    sync.on_config = seen.append
    assert sync.pull_config() is True
    assert sync.pull_config() is False  # 304 Not Modified
    doc = sample_document()
    doc["services"][0]["name"] = "Tư pháp - Hộ tịch (chứng thực)"
    requests.put(f"{central.url}/api/v1/admin/centres", json=doc, headers=central.admin_headers,
                 timeout=10).raise_for_status()
    assert sync.pull_config() is True
    assert core.desk.config.service("TPHT").name == "Tư pháp - Hộ tịch (chứng thực)"
    assert seen[-1].service("TPHT").name.endswith("(chứng thực)")
    # a restart while offline uses the cached document
    from kiosk.sync.service import load_cached_centre
    assert load_cached_centre(core.config, core.data_dir).service("TPHT").name.endswith("(chứng thực)")


def test_heartbeat_reaches_the_fleet_view(tmp_path, central):
    """The kiosk's own heartbeat: disk, backlog, dead letters and each health flag with its detail."""
    from kiosk.ports import HealthReport, HealthState
    config = enrolled_config(central)
    core, sync, clock = make_kiosk(tmp_path, config)
    issue(core, clock, 2)
    with core.db.transaction() as s:
        s.add(DeadLetter(event_id="x", type="audit", occurred_at=clock.now, payload="{}", reason="test",
                         failed_at=clock.now))
    core.health.report(HealthReport("printer", HealthState.DEGRADED, "paper low"))
    assert sync.heartbeat() is True
    fleet = requests.get(f"{central.url}/api/v1/fleet", headers=central.admin_headers, timeout=10).json()
    (d,) = [d for d in fleet["devices"] if d["device_id"] == config.device.id]
    assert d["version"] == "0.1.0" and d["disk_free_bytes"] > 0 and d["dead_letters"] == 1
    assert d["outbox_backlog"] >= 2 and "printer: paper low" in d["health_flags"]
    assert d["clock_ok"] is False  # the test kiosk's clock is days behind the central's


def test_screens_show_a_short_device_id():
    from kiosk.sync.enrolment import short_device_id
    assert short_device_id("d0e1f03c-8d2f-43c4-83a8-dd5ca33e52ca") == "d0e1f03c"
    assert short_device_id("camau-lobby-01") == "camau-lobby-01"
