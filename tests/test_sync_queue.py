"""The queue's truth is the central's: people ahead, waiting counts and quotas, with real kiosks
on a real central (the kiosk's own estimate only when the central's queue is not known)."""
import datetime as dt
import uuid

import pytest
import requests
from sqlalchemy import select

from benchmarks.sync_support import enrolled_config, sample_document
from central.leases import Lease
from kiosk.bootstrap import build_core
from kiosk.domain.schedule import Availability
from kiosk.lobby import Lobby
from kiosk.storage.leases import NumberLease
from kiosk.sync.client import CentralClient
from kiosk.sync.service import SyncService
from kiosk.ticketing import TicketRefused
from kiosk.waiting import FRESH_S, fluid_length
from tests.conftest import FakeClock

UTC = dt.timezone.utc


def make_kiosk(tmp_path, config, name):
    clock = FakeClock(dt.datetime(2026, 11, 23, 2, 0, tzinfo=UTC))  # Monday 09:00 in Hà Nội
    core = build_core(config, tmp_path / name, clock=clock)
    client = CentralClient(config.central.url, config.central.token, timeout=config.central.timeout_s)
    return core, SyncService(core, client), clock


def lobby_of(core):
    return Lobby(core.config, core.desk, printer=None, speaker=None, translator=core.translator, health=core.health)


def with_quota(central, daily_quota):
    doc = sample_document()
    next(s for s in doc["services"] if s["code"] == "XD")["daily_quota"] = daily_quota
    r = requests.put(f"{central.url}/api/v1/admin/centres", json=doc, headers=central.admin_headers, timeout=10)
    r.raise_for_status()


def test_two_lobbies_online_give_the_daily_quota_in_total(tmp_path, central):
    with_quota(central, 3)
    kiosks = []
    for name in ("a", "b"):
        core, sync, clock = make_kiosk(tmp_path, enrolled_config(central), name)
        assert sync.pull_config()  # the centre's quota of 3, not the sample's
        kiosks.append((core, sync, clock))
    given, refused = [], []
    for _round in range(4):
        for core, _, clock in kiosks:
            try:
                given.append(core.desk.issue("XD", None, str(uuid.uuid4())).number)
            except TicketRefused as exc:
                refused.append(exc.reason)
            clock.advance(seconds=5)
    assert len(given) == 3 and len(set(given)) == 3  # before: 3 per kiosk, 6 in all
    assert set(refused) == {"quota_day"}
    assert max(given) <= 799  # all from leases: no fallback number while online
    for core, _, _ in kiosks:  # and the tiles say so, on both kiosks
        xd = next(v for v in core.desk.overview() if v.service.code == "XD")
        assert xd.state.availability is Availability.QUOTA_DAY
    for core, _, _ in kiosks:
        core.close()


def test_a_ticket_printed_while_the_central_has_two_ahead_says_two(tmp_path, central):
    core_a, sync_a, clock_a = make_kiosk(tmp_path, enrolled_config(central), "a")
    core_b, sync_b, clock_b = make_kiosk(tmp_path, enrolled_config(central), "b")
    for _ in range(2):
        core_a.desk.issue("TPHT", None, str(uuid.uuid4()))
        clock_a.advance(seconds=10)
    assert sync_a.sender.flush().delivered >= 2
    clock_b.now = clock_a.now
    assert sync_b.refresh_queue()
    views = {v.service.code: v for v in core_b.desk.overview()}
    assert views["TPHT"].waiting == 2 and not views["TPHT"].approximate  # before: 0, its own count
    ticket = core_b.desk.issue("TPHT", None, str(uuid.uuid4()))
    assert ticket.people_ahead == 2 and not ticket.approximate
    assert ticket.estimated_wait_minutes == 8  # 2 x 8 min / the 2 counters serving TPHT
    lobby = lobby_of(core_b)
    printout = lobby.printout(ticket, "vi")
    assert printout.lines[0] == "Số người đang chờ trước Ông/Bà: 2"
    assert "Có hai người đang chờ trước Ông/Bà." in lobby.announcement(ticket, "vi")
    # the kiosk's own next ticket: the central has not seen this one yet, so it is added
    clock_b.advance(seconds=5)
    assert core_b.desk.issue("TPHT", None, str(uuid.uuid4())).people_ahead == 3
    for core in (core_a, core_b):
        core.close()


def test_offline_or_stale_the_kiosk_says_its_estimate_is_approximate(tmp_path, central, proxy):
    core, sync, clock = make_kiosk(tmp_path, enrolled_config(central, proxy.url), "k")
    assert sync.refresh_queue()
    first = core.desk.issue("TPHT", None, str(uuid.uuid4()))
    assert not first.approximate
    proxy.mode = "down"
    clock.advance(seconds=FRESH_S + 1)
    assert not sync.refresh_queue()
    ticket = core.desk.issue("TPHT", None, str(uuid.uuid4()))
    assert ticket.approximate and ticket.people_ahead == 1
    lobby = lobby_of(core)
    assert lobby.printout(ticket, "vi").lines[0] == "Số người đang chờ trước Ông/Bà: khoảng 1"
    assert lobby.printout(ticket, "en").lines[0] == "People waiting ahead of you: about 1"
    assert "khoảng" in lobby.announcement(ticket, "vi")
    tile = next(v for v in core.desk.overview() if v.service.code == "TPHT")
    assert tile.approximate and tile.waiting == 2
    core.close()


def test_offline_the_estimate_assumes_the_counters_kept_serving(tmp_path, config, monday_9am):
    core = build_core(config, tmp_path, clock=monday_9am)  # no central at all
    for _ in range(4):
        core.desk.issue("TPHT", None, str(uuid.uuid4()))
        monday_9am.advance(seconds=3)  # past the double-tap guard
    tile = next(v for v in core.desk.overview() if v.service.code == "TPHT")
    assert (tile.waiting, tile.approximate) == (4, True)
    monday_9am.advance(minutes=8)  # 2 counters, 8 min each: 2 served since
    assert next(v for v in core.desk.overview() if v.service.code == "TPHT").waiting == 2
    monday_9am.advance(hours=1)  # before: still 4 waiting, for ever
    later = core.desk.issue("TPHT", None, str(uuid.uuid4()))
    assert later.people_ahead == 0 and later.approximate
    core.close()


def test_fluid_queue_estimate():
    t0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    at = lambda m: t0 + dt.timedelta(minutes=m)  # noqa: E731
    assert fluid_length(0, t0, [], at(10), 0.25) == 0
    assert fluid_length(3, t0, [], at(4), 0.25) == 2           # 1 served in 4 minutes
    assert fluid_length(0, t0, [at(0), at(0), at(0)], at(0), 0.25) == 3
    assert fluid_length(1, t0, [at(60)], at(60), 0.25) == 1    # the queue emptied, then one came
    assert fluid_length(5, t0, [], at(-1), 1.0) == 5           # a clock going back serves nobody


def test_a_retried_lease_request_gets_the_same_block(tmp_path, central, proxy):
    core, sync, clock = make_kiosk(tmp_path, enrolled_config(central, proxy.url), "k")
    service = core.config.service("XD")
    proxy.mode = "cut"  # the central grants the lease, the answer is lost on the way back
    assert sync.keeper.request(service, "2026-11-23") == "unavailable"
    proxy.mode = "pass"
    assert sync.keeper.request(service, "2026-11-23") == "granted"
    with central.db.transaction() as s:
        leases = s.scalars(select(Lease).where(Lease.device_id == core.config.device.id)).all()
    with core.db.transaction() as s:
        mine = s.scalars(select(NumberLease)).all()
    assert len(leases) == 1 and [(x.first, x.last) for x in mine] == [(leases[0].first, leases[0].last)]
    assert sync.keeper.request(service, "2026-11-23") == "granted"  # answered: the next one is a new block
    with core.db.transaction() as s:
        assert [x.first for x in s.scalars(select(NumberLease).order_by(NumberLease.first))] == [1, 21]
    core.close()


def test_counters_and_displays_never_use_a_fallback_block(tmp_path, config, monday_9am):
    from kiosk.sync.leases import FallbackLeases
    counter = config.model_copy(update={"device": config.device.model_copy(update={"role": "counter"}),
                                        "central": config.central.model_copy(update={"device_index": 1})})
    core = build_core(counter, tmp_path, clock=monday_9am)
    core.desk.leases = FallbackLeases(counter)
    with pytest.raises(TicketRefused) as refused:
        core.desk.issue("TPHT", None, "k")
    assert refused.value.reason == "numbers_exhausted"
    core.close()
