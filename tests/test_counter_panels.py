"""End to end through a real pty pair: a simulated ft12 bus (evaluators + caller keypads) ->
PanelSupervisor -> CounterRuntime workers -> CounterService -> ratings + outbox on SQLite."""
from __future__ import annotations

import json
import random
import time

import pytest
from sqlalchemy import func, select

from devices.serial import ft12, open_panel, start_rating_encoder
from devices.serial.ptys import SocatPair
from devices.serial.simulator import PanelSimulator
from devices.serial.supervisor import Backoff
from kiosk.counter import CounterService
from kiosk.counter.panels import make_prompter
from kiosk.counter.runtime import CounterRuntime
from kiosk.storage import open_database
from kiosk.storage.outbox import OutboxEvent
from kiosk.storage.ratings import Rating, RejectedPress
from tests.counter_support import counter_config
from tests.waiting import wait_until


@pytest.fixture
def rig(tmp_path):
    pair = SocatPair(tmp_path)
    pair.plug()
    cfg = counter_config({"counters": [1, 3], "rating": {"debounce_s": 0.3, "window_s": 60},
                          "panels": [{"name": "bus", "port": pair.host, "protocol": "ft12"}]})
    db = open_database(tmp_path / "kiosk.db")
    senders: dict = {}
    svc = CounterService(db, cfg, counters=[1, 3])
    svc.prompt = make_prompter(svc.panels, senders, start_rating_encoder)
    runtime = CounterRuntime(svc, tick_s=0.1)
    sup = open_panel("bus", pair.host, "ft12", runtime.on_press, backoff=Backoff(0.02, 0.2))
    senders["bus"] = sup.send
    assert sup.wait_up(5)
    sim = PanelSimulator(pair.dev, "ft12", addresses=(0x01, 0x03, 0x81, 0x83), seed=7)
    sim.open()
    yield svc, runtime, sim, db, sup
    sim.close()
    sup.stop()
    runtime.close()
    db.close()
    pair.unplug()


def count(db, model, **where):
    with db.transaction() as s:
        stmt = select(func.count()).select_from(model)
        for k, v in where.items():
            stmt = stmt.where(getattr(model, k) == v)
        return s.scalar(stmt)


def test_keypad_call_complete_then_evaluator_rating_through_a_pty(rig):
    svc, runtime, sim, db, sup = rig
    sim.press(1, address=0x81)  # nobody asked for a rating yet
    wait_until(lambda: count(db, RejectedPress, reason="no_request") == 1, message="the press without a request")
    for key in (1, 2, ft12.CallerKey.CALL):  # officer at counter 1 types 12 and calls (offline)
        sim.press(key, address=0x01)
    wait_until(lambda: svc.current(1) is not None, message="counter 1 to call A012")
    assert svc.current(1).display_number == "A012"
    sim.press(ft12.CallerKey.WAIT, address=0x01)  # wait/evaluate = service done
    wait_until(lambda: any(f.func == ft12.FUNC_START_RATING and f.address == 0x81 for f in sim.received),
               message="the start-rating frame to evaluator 0x81")
    sim.press(1, address=0x81, garbage=True)  # Rất hài lòng, after line noise
    wait_until(lambda: count(db, Rating) == 1, message="the rating")
    with db.transaction() as s:
        r = s.scalar(select(Rating))
        assert (r.counter, r.level, r.raw_key, r.device, r.officer) == (1, "very_satisfied", 1, "bus:0x81", "nv01")
        ev = json.loads(s.scalar(select(OutboxEvent.payload).where(OutboxEvent.type == "rating.recorded")))
        assert ev["rating_id"] == r.id and ev["ticket_id"] == r.ticket_id
    # a second press for the same ticket is a rejected press, never a second rating. The citizen
    # presses again after the 0.3 s debounce (part of the scenario: a press within it is a bounce).
    time.sleep(0.35)
    sim.press(2, address=0x81)
    wait_until(lambda: count(db, RejectedPress, reason="already_rated") == 1, message="the second press's rejection")
    assert runtime.drain()
    assert count(db, Rating) == 1


def test_garbage_and_floods_never_make_a_false_rating(rig):
    svc, runtime, sim, db, sup = rig
    rng = random.Random(3)
    # pure line noise, then a flood of evaluator presses while no request is open
    sim.write(bytes(rng.randrange(256) for _ in range(4000)))
    for i in range(150):
        sim.press(rng.choice([1, 2, 3, 9]), address=rng.choice([0x81, 0x83]), garbage=i % 3 == 0)
    wait_until(lambda: sup.stats["presses"] >= 150, 10, "150 presses off the bus")
    assert runtime.drain()  # every press handled: the absence of a rating below means something
    assert count(db, Rating) == 0
    assert count(db, RejectedPress) >= 1  # capped per counter per minute, all rejected
    # now one request on counter 3, then a flood: exactly one rating
    svc.call_typed(3, "B001")
    svc.complete(3)
    for i in range(120):
        sim.press(rng.choice([1, 2, 3]), address=0x83, garbage=i % 4 == 0)
    wait_until(lambda: sup.stats["presses"] >= 270, 10, "120 more presses off the bus")
    assert runtime.drain()
    svc.flush_ratings()  # the first counted press may be a Không hài lòng waiting for its reason
    wait_until(lambda: count(db, Rating) == 1, message="the one rating")
    assert runtime.drain()
    assert count(db, Rating) == 1
    assert count(db, Rating, counter=1) == 0
    assert svc.stats["rejected_already_rated"] + svc.stats["rejected_debounce"] >= 100
