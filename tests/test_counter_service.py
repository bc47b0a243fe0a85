"""Counter service on real SQLite (no central): typed calls, actions as outbox events, ratings
and rejected presses written with their outbox event in one transaction, caller keypad keys."""
from __future__ import annotations

import datetime as dt
import json
import tomllib

import pytest
from sqlalchemy import func, select

from kiosk.contract.config import ConfigError
from kiosk.counter import CounterError, CounterOffline, CounterService
from kiosk.counter.keypad import KEY_CALL, KEY_CANCEL, KEY_COMPLETE, KEY_FUNCTION, KEY_RECALL, KEY_TRANSFER
from kiosk.counter.panels import PanelConfigError, PanelMap
from kiosk.counter.rating import ReasonAsked
from kiosk.contract.wire import RatingReason, RatingRecorded, RatingRejectedPress
from kiosk.ports import PanelPress
from kiosk.storage import open_database
from kiosk.storage.counter import QueueEntry
from kiosk.storage.outbox import OutboxEvent
from kiosk.storage.ratings import Rating, RejectedPress
from kiosk.contract.config import SAMPLE_CONFIG
from tests.conftest import ROOT, FakeClock
from tests.counter_support import Mono, counter_config

UTC = dt.timezone.utc


@pytest.fixture
def db(tmp_path):
    d = open_database(tmp_path / "kiosk.db")
    yield d
    d.close()


@pytest.fixture
def clock():
    return FakeClock(dt.datetime(2026, 11, 23, 2, 0, tzinfo=UTC))


def make_service(db, clock, mono=None, counter=None, **kw):
    return CounterService(db, counter_config(counter), clock=clock, monotonic=mono or Mono(), **kw)


def events(db, type_):
    with db.transaction() as s:
        rows = s.scalars(select(OutboxEvent).where(OutboxEvent.type == type_).order_by(OutboxEvent.seq)).all()
        return [json.loads(r.payload) for r in rows]


def count(db, model):
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_device_migrations_match_the_models(db):
    from alembic.script import ScriptDirectory
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import kiosk.storage.counter  # noqa: F401
    import kiosk.storage.models  # noqa: F401
    import kiosk.storage.ratings  # noqa: F401
    from kiosk.storage.base import Base

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    with db.engine.connect() as conn:
        head = ScriptDirectory(str(ROOT / "kiosk" / "migrations")).get_current_head()
        assert conn.exec_driver_sql("select version_num from alembic_version").scalar() == head


def test_config_section_validates():
    cfg = counter_config({"counters": [3], "rating": {"buttons": 4, "window_s": 30},
                          "panels": [{"name": "bus", "port": "/dev/ttyUSB0", "protocol": "ft12"}]})
    assert cfg.counter.rating.buttons == 4
    with pytest.raises(ConfigError, match="counter.rating.buttons"):
        counter_config({"rating": {"buttons": 7}})
    with pytest.raises(ConfigError, match="needs `counter`"):
        counter_config({"panels": [{"name": "k", "port": "/dev/ttyS0", "protocol": "ascii"}]})
    with pytest.raises(PanelConfigError, match="counter 5"):
        PanelMap(counter_config({"panels": [{"name": "k", "port": "p", "protocol": "ascii", "counter": 5}]}).counter,
                 [1, 3])


def test_panel_map_follows_the_ft12_convention_by_default():
    cfg = counter_config({"counters": [1, 3], "panels": [
        {"name": "bus", "port": "/dev/bus", "protocol": "ft12"},
        {"name": "kp1", "port": "/dev/kp1", "protocol": "ascii", "kind": "caller", "counter": 1}]})
    m = PanelMap(cfg.counter, [1, 3])
    assert m.route(PanelPress("/dev/bus", "ft12", 0x83, 1, "evaluator")).counter == 3
    assert m.route(PanelPress("/dev/bus", "ft12", 0x83, 1, "evaluator")).device == "bus:0x83"
    assert m.route(PanelPress("/dev/bus", "ft12", 0x01, 0x0C, "caller")).counter == 1
    assert m.route(PanelPress("/dev/bus", "ft12", 0x85, 1, "evaluator")) is None  # counter 5 is not ours
    assert m.route(PanelPress("/dev/kp1", "ascii", None, 0x0C, "caller")).counter == 1
    assert [t.address for t in m.prompt_targets(3)] == [0x83]


def test_typed_call_complete_and_rating_go_to_the_outbox(db, clock):
    mono = Mono()
    announced, prompted = [], []
    svc = make_service(db, clock, mono, announce=announced.append, prompt=lambda c: prompted.append(c) or True)
    with pytest.raises(CounterOffline):
        svc.call_next(3)  # no central: the officer must type the number
    cur = svc.call_typed(3, "B012")
    assert cur.source == "offline" and cur.service_code == "DD"
    assert announced[0].text == "Mời công dân có số B012 đến quầy số 3."
    assert announced[0].spoken == "Mời công dân có số bê mười hai đến quầy số ba."
    with pytest.raises(CounterError, match="serving B012"):
        svc.call_typed(3, "B013")  # one ticket at a time
    clock.advance(minutes=7)
    svc.complete(3, dossier_code="000.00.12.H12-261123-0001")
    assert prompted == [3] and svc.current(3) is None
    mono.advance(4)
    svc.rate_press(3, 2, "bus:0x83")
    called, served, rated = events(db, "ticket.called"), events(db, "ticket.served"), events(db, "rating.recorded")
    assert called[0]["ticket_id"] == served[0]["ticket_id"] == rated[0]["ticket_id"] == cur.ticket_id
    assert served[0]["started_at"].startswith("2026-11-23T02:00") and served[0]["completed_at"].startswith(
        "2026-11-23T02:07")
    r = rated[0]
    RatingRecorded.model_validate(r)  # the central's contract
    assert (r["counter"], r["officer"], r["level"], r["reason"], r["raw_key"], r["device"], r["dossier_code"]) == (
        3, "nv03", "satisfied", None, 2, "bus:0x83", "000.00.12.H12-261123-0001")
    with db.transaction() as s:
        row = s.scalar(select(Rating))
        assert (row.id, row.level, row.raw_key) == (r["rating_id"], "satisfied", 2)


def test_presses_outside_a_request_are_rejected_presses_with_events(db, clock):
    mono = Mono()
    svc = make_service(db, clock, mono)
    svc.rate_press(3, 1, "bus:0x83")                 # no request
    mono.advance(0.2)
    svc.rate_press(3, 1, "bus:0x83")                 # debounce
    mono.advance(5)
    svc.rate_press(3, 42, "bus:0x83")                # unknown key
    rejected = events(db, "rating.rejected_press")
    assert [e["reason"] for e in rejected] == ["no_request", "debounce", "unknown_key"]
    assert RatingRejectedPress.model_validate(rejected[0]).raw_key == 1
    assert count(db, RejectedPress) == 3 and count(db, Rating) == 0


def test_rating_row_and_event_are_one_transaction(db, clock, monkeypatch):
    mono = Mono()
    svc = make_service(db, clock, mono)
    svc.call_typed(3, "B001")
    svc.complete(3)
    mono.advance(3)
    import kiosk.counter.rating_service as service_module

    def broken(session, event):
        raise RuntimeError("disk gone mid-transaction")
    monkeypatch.setattr(service_module, "add_event", broken)
    with pytest.raises(RuntimeError):
        svc.rate_press(3, 1, "d")
    assert count(db, Rating) == 0 and events(db, "rating.recorded") == []
    monkeypatch.undo()


def test_unsatisfied_is_stored_at_once_then_reason_answered_timed_out_or_declined(db, clock):
    mono = Mono()
    svc = make_service(db, clock, mono)
    for number, then in (("B001", "reason"), ("B002", "timeout"), ("B003", "declined")):
        svc.call_typed(3, number)
        svc.complete(3)
        mono.advance(2)
        svc.rate_press(3, 3, "d")
        assert events(db, "rating.recorded")[-1]["reason"] is None  # stored before the reason is asked
        if then == "reason":
            svc.choose_reason(3, "long_wait")
        elif then == "timeout":
            mono.advance(29)
            assert svc.tick() == []
            mono.advance(1)  # reason_timeout_s = 30
            svc.tick()
        else:
            svc.decline_reason(3)
    rated = events(db, "rating.recorded")
    reasons = events(db, "rating.reason")
    for r in reasons:
        RatingReason.model_validate(r)
    assert [r["level"] for r in rated] == ["unsatisfied"] * 3
    assert [(r["rating_id"], r["answered"], r["reason_code"]) for r in reasons] == [
        (rated[0]["rating_id"], True, "long_wait"), (rated[1]["rating_id"], False, None),
        (rated[2]["rating_id"], False, None)]
    with db.transaction() as s:
        states = {r.id: (r.reason, r.reason_state) for r in s.scalars(select(Rating))}
    assert [states[r["rating_id"]] for r in rated] == [("long_wait", "answered"), (None, "unanswered"),
                                                       (None, "unanswered")]


def test_a_reason_still_asked_when_the_process_died_is_recorded_as_not_answered(db, clock):
    mono = Mono()
    svc = make_service(db, clock, mono)
    svc.call_typed(3, "B001")
    svc.complete(3)
    mono.advance(2)
    svc.rate_press(3, 3, "d")  # the process dies here, waiting for the reason
    assert events(db, "rating.reason") == []
    make_service(db, clock, Mono())  # the restart
    (reason,) = events(db, "rating.reason")
    assert (reason["rating_id"], reason["answered"]) == (events(db, "rating.recorded")[0]["rating_id"], False)
    make_service(db, clock, Mono())  # once only
    assert len(events(db, "rating.reason")) == 1


def test_a_restarted_service_never_rates_a_ticket_twice(db, clock):
    mono = Mono()
    svc = make_service(db, clock, mono)
    svc.call_typed(3, "B001")
    cur = svc.complete(3)
    mono.advance(2)
    svc.rate_press(3, 1, "d")
    again = make_service(db, clock, mono)  # machine state lost, database kept
    from kiosk.counter.rating import ServedTicket
    assert again.request_rating(ServedTicket(cur.ticket_id, 3, "nv03")) is False
    assert count(db, Rating) == 1


def test_flood_of_rejected_presses_is_capped(db, clock):
    mono = Mono()
    svc = make_service(db, clock, mono, counter={"counters": [3], "rating": {"max_rejected_per_minute": 10}})
    for _ in range(50):
        svc.rate_press(3, 1, "d")
        mono.advance(0.1)
    assert count(db, RejectedPress) == 10
    assert svc.stats["rejected_not_stored"] == 40


def test_caller_keypad_keys_drive_the_counter(db, clock):
    mono = Mono()
    svc = make_service(db, clock, mono)
    seen = []
    svc.listeners.append(lambda kind, data: seen.append(kind))
    with db.transaction() as s:  # the cached queue knows B007's ticket id
        s.add(QueueEntry(ticket_id="real-b007", day="2026-11-23", display_number="B007", service_code="DD",
                         fetched_at=clock()))
    for key in (0, 0, 7, KEY_CALL):  # digits then call: offline typed call of "007"
        svc.caller_key(3, key)
    cur = svc.current(3)
    assert (cur.ticket_id, cur.display_number) == ("real-b007", "B007")
    svc.caller_key(3, KEY_RECALL)
    assert len(events(db, "ticket.called")) == 2
    svc.caller_key(3, KEY_CANCEL)  # nothing typed: no-show
    assert svc.current(3) is None and events(db, "ticket.no_show")[0]["ticket_id"] == "real-b007"
    svc.caller_key(3, KEY_FUNCTION)  # pause
    assert svc.is_paused(3)
    svc.caller_key(3, 5)
    svc.caller_key(3, KEY_CALL)
    assert "error" in seen and svc.current(3) is None  # paused: no call
    svc.caller_key(3, KEY_FUNCTION)
    svc.caller_key(3, 9)
    svc.caller_key(3, KEY_CALL)  # "9" -> B009 (DD) or K009 (TNMT): ambiguous for counter 3
    assert svc.current(3) is None
    svc.call_typed(3, "K009")
    svc.caller_key(3, 2)
    svc.caller_key(3, KEY_TRANSFER)  # service #2 = DD
    assert events(db, "ticket.transferred")[0]["to_service_code"] == "DD"
    svc.call_typed(3, "K010")
    svc.caller_key(3, KEY_COMPLETE)
    assert svc.machines[3].open_ticket is not None
    assert [e["action"] for e in events(db, "audit")] == ["counter.paused", "counter.resumed"]


def _with_reasons(reasons: list[tuple[str, str]]):
    data = tomllib.loads(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    data["rating_reasons"] = [{"code": c, "name": n, "order": i} for i, (c, n) in enumerate(reasons, 1)]
    return counter_config(base=data)


def test_a_new_reason_list_reaches_the_running_counter_without_a_restart(db, clock):
    mono = Mono()
    svc = CounterService(db, _with_reasons([("long_wait", "Chờ quá lâu"), ("attitude", "Thái độ")]),
                         clock=clock, monotonic=mono)
    assert svc.rules.reasons == ("long_wait", "attitude", "other")

    def unsatisfied(number: str) -> tuple[str, ...]:
        svc.call_typed(3, number)
        svc.complete(3)
        mono.advance(2)
        asked = [d for d in svc.rate_press(3, 3, "d") if isinstance(d, ReasonAsked)]
        assert len(asked) == 1
        return asked[0].choices

    assert unsatisfied("B001") == ("long_wait", "attitude", "other")
    # The manager removes "attitude" and adds "no_parking" while the citizen looks at the reasons.
    svc.apply_config(_with_reasons([("long_wait", "Chờ quá lâu"), ("no_parking", "Không có chỗ để xe")]))
    assert svc.rules.reasons == ("long_wait", "no_parking", "other")
    svc.choose_reason(3, "attitude")  # offered before the change: still taken for that rating
    assert unsatisfied("B002") == ("long_wait", "no_parking", "other")
    with pytest.raises(ValueError):
        svc.choose_reason(3, "attitude")  # gone from the list now
    svc.choose_reason(3, "no_parking")
    reasons = [(r["answered"], r["reason_code"]) for r in events(db, "rating.reason")]
    assert reasons == [(True, "attitude"), (True, "no_parking")]
    assert all(m.rules is svc.rules for m in svc.machines.values())
