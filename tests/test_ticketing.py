"""Issuing tickets on a real SQLite file: numbering, quotas, opening hours, floods, double taps."""
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from kiosk.contract.config import parse_config
from kiosk.storage import open_database
from kiosk.storage.engine import StorageError
from kiosk.storage.outbox import OutboxEvent
from kiosk.storage.tickets import Ticket
from kiosk.ticketing import TicketDesk, TicketRefused
from tests.conftest import ROOT


def desk_for(tmp_path, config, clock, name="kiosk.db"):
    return TicketDesk(open_database(tmp_path / name), config, clock=clock)


def with_changes(config, **lobby):
    data = config.model_dump()
    data["lobby"].update(lobby)
    return parse_config(data)


def test_numbers_per_service_with_prefix_and_outbox_event(tmp_path, config, monday_9am):
    desk = desk_for(tmp_path, config, monday_9am)
    a1 = desk.issue("TPHT", None, "r1")
    monday_9am.advance(seconds=5)
    b1 = desk.issue("DD", None, "r2")
    monday_9am.advance(seconds=5)
    a2 = desk.issue("TPHT", None, "r3")
    assert (a1.display_number, b1.display_number, a2.display_number) == ("A001", "B001", "A002")
    assert a2.people_ahead == 1
    with desk.db.transaction() as s:
        events = s.scalars(select(OutboxEvent).order_by(OutboxEvent.seq)).all()
    assert [e.type for e in events] == ["ticket.issued"] * 3
    assert json.loads(events[2].payload)["display_number"] == "A002"
    assert events[0].event_id == a1.ticket_id


def test_numbering_survives_restart_and_restarts_next_local_day(tmp_path, config, monday_9am):
    desk = desk_for(tmp_path, config, monday_9am)
    for i in range(3):
        desk.issue("TPHT", None, f"a{i}")
        monday_9am.advance(seconds=3)
    desk.db.close()
    desk = desk_for(tmp_path, config, monday_9am)  # program restarted
    assert desk.issue("TPHT", None, "b").number == 4
    # 23:58 local is still Monday; 00:01 local (17:01 UTC) is Tuesday: numbers restart
    monday_9am.now = dt.datetime(2026, 11, 23, 16, 58, tzinfo=dt.timezone.utc)
    data = config.model_dump()
    for service in data["services"]:
        service["windows"] = [{"start": "00:00", "end": "23:59"}]
    desk.reconfigure(parse_config(data))
    assert desk.issue("TPHT", None, "late").number == 5
    monday_9am.now = dt.datetime(2026, 11, 23, 17, 1, tzinfo=dt.timezone.utc)
    t = desk.issue("TPHT", None, "tuesday")
    assert (t.day, t.number, t.display_number) == ("2026-11-24", 1, "A001")


def test_closed_services_and_quotas(tmp_path, config, monday_9am):
    data = config.model_dump()
    data["services"][0]["daily_quota"] = 2
    data["services"][1]["windows"] = [{"start": "07:30", "end": "11:30", "quota": 1}, {"start": "13:30", "end": "17:00"}]
    cfg = parse_config(data)
    desk = desk_for(tmp_path, cfg, monday_9am)
    desk.issue("TPHT", None, "1")
    monday_9am.advance(seconds=3)
    desk.issue("TPHT", None, "2")
    monday_9am.advance(seconds=3)
    with pytest.raises(TicketRefused) as r:
        desk.issue("TPHT", None, "3")
    assert r.value.reason == "quota_day"
    desk.issue("DD", None, "4")
    monday_9am.advance(seconds=3)
    with pytest.raises(TicketRefused) as r:
        desk.issue("DD", None, "5")
    assert r.value.reason == "quota_window"
    states = {v.service.code: v.state.availability.value for v in desk.overview()}
    assert states["TPHT"] == "quota_day" and states["DD"] == "quota_window" and states["XD"] == "open"
    monday_9am.now = dt.datetime(2026, 11, 23, 5, 0, tzinfo=dt.timezone.utc)  # 12:00 local: lunch
    assert {v.service.code: v.state.availability.value for v in desk.overview()}["XD"] == "break"
    with pytest.raises(TicketRefused) as r:
        desk.issue("XD", None, "6")
    assert r.value.reason == "closed"
    monday_9am.now = dt.datetime(2026, 11, 23, 6, 40, tzinfo=dt.timezone.utc)  # 13:40: afternoon window
    assert desk.issue("DD", None, "7").number == 2
    monday_9am.now = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.timezone.utc)  # Saturday
    assert {v.state.availability.value for v in desk.overview()} == {"closed_today"}


def test_double_tap_never_issues_two_tickets(tmp_path, config, monday_9am):
    desk = desk_for(tmp_path, config, monday_9am)
    first = desk.issue("TPHT", "elderly", "same-key")
    again = desk.issue("TPHT", "elderly", "same-key")
    quick = desk.issue("TPHT", "elderly", "other-key")  # a second tap within the guard interval
    assert again.ticket_id == first.ticket_id and again.repeated
    assert quick.ticket_id == first.ticket_id and quick.repeated
    monday_9am.advance(seconds=3)
    assert desk.issue("TPHT", "elderly", "next-citizen").number == 2
    with desk.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 2


def test_rate_limit_refuses_a_flood_politely(tmp_path, config, monday_9am):
    cfg = with_changes(config, rate_limit={"tickets": 5, "per_seconds": 60})
    desk = desk_for(tmp_path, cfg, monday_9am)
    for i in range(5):
        desk.issue(cfg.services[i].code, None, f"k{i}")
        monday_9am.advance(seconds=1)
    with pytest.raises(TicketRefused) as r:
        desk.issue("XD", None, "flood")
    assert r.value.reason == "rate_limited"
    monday_9am.advance(seconds=60)
    assert desk.issue("XD", None, "later").display_number.startswith("C")


def test_priority_ticket_goes_ahead_with_ratio(tmp_path, config, monday_9am):
    desk = desk_for(tmp_path, config, monday_9am)
    issued = []
    for key, group in [("n1", None), ("n2", None), ("n3", None), ("p1", "elderly")]:
        issued.append(desk.issue("TPHT", group, key))
        monday_9am.advance(seconds=3)
    # P1 arrives fourth but is called first (1 priority then 2 normal per cycle)
    assert issued[-1].people_ahead == 0
    nxt = desk.issue("TPHT", None, "n4")
    assert nxt.people_ahead == 4
    assert nxt.estimated_wait_minutes == 4 * 8 // 2  # 2 counters serve TPHT, 8 min each


def test_full_disk_gives_a_clear_error_and_loses_nothing(tmp_path, config, monday_9am):
    desk = desk_for(tmp_path, config, monday_9am)
    issued = [desk.issue("TPHT", None, "first").display_number]
    with desk.db.engine.connect() as c:
        pages = c.exec_driver_sql("PRAGMA page_count").scalar()
    # cap the file at its current size: the next growth fails like a full disk does
    from sqlalchemy import event
    @event.listens_for(desk.db.engine, "connect")
    def _cap(dbapi_conn, _):
        dbapi_conn.execute(f"PRAGMA max_page_count={pages}")
    desk.db.engine.dispose()
    with pytest.raises(StorageError, match="disk is full"):
        for i in range(500):
            monday_9am.advance(seconds=3)
            issued.append(desk.issue("TPHT" if i % 2 else "DD", None, f"x{i}" * 8).display_number)
    desk.db.close()
    reopened = desk_for(tmp_path, config, monday_9am)
    with reopened.db.transaction() as s:
        stored = set(s.scalars(select(Ticket.display_number)).all())
    assert set(issued) == stored  # every acknowledged ticket is there, no half-written one


KILL_SCRIPT = r"""
import datetime as dt, sys
sys.path.insert(0, sys.argv[2])
from kiosk.contract.config import load_config, SAMPLE_CONFIG, parse_config
from kiosk.storage import open_database
from kiosk.ticketing import TicketDesk
cfg = load_config(SAMPLE_CONFIG).model_dump()
cfg["lobby"]["rate_limit"] = {"tickets": 10**6, "per_seconds": 1}
cfg["lobby"]["double_tap_guard_s"] = 0
for service in cfg["services"]:  # the quotas would end the stream before the kill
    service["daily_quota"] = None
    for window in service["windows"]:
        window["quota"] = None
cfg = parse_config(cfg)
start = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)
n = [0]
def clock():
    n[0] += 1
    return start + dt.timedelta(milliseconds=n[0])
desk = TicketDesk(open_database(sys.argv[1]), cfg, clock=clock)
i = 0
while True:
    t = desk.issue(cfg.services[i % 3].code, None, f"{sys.argv[3]}-{i}")
    print(t.ticket_id, t.display_number, flush=True)
    i += 1
"""


@pytest.mark.slow
def test_sigkill_while_issuing_loses_no_acknowledged_ticket(tmp_path):
    db_path = tmp_path / "kill.db"
    acknowledged = []
    for round_ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(db_path), str(ROOT), f"r{round_}"],
                                stdout=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        wanted, lines = 40 + 17 * round_, 0
        while lines < wanted and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            acknowledged.append(line.split())
            lines += 1
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        assert lines == wanted, f"round {round_}: killed after {lines} of {wanted} tickets"
    db = open_database(db_path)
    with db.transaction() as s:
        rows = s.execute(select(Ticket.id, Ticket.display_number)).all()
        events = set(s.scalars(select(OutboxEvent.event_id)).all())
    stored = {tid: num for tid, num in rows}
    for tid, num in acknowledged:
        assert stored.get(tid) == num, f"acknowledged ticket {num} lost"
        assert tid in events, "ticket without its outbox event"
    numbers = [num for num in stored.values()]
    assert len(numbers) == len(set(numbers)), "a number was issued twice"
