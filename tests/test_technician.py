import datetime as dt
import json

import pytest
from sqlalchemy import select

from kiosk.storage import open_database
from kiosk.storage.outbox import OutboxEvent, SyncState
from kiosk.technician import PinRefused, TechnicianAccess
from tests.conftest import FakeClock


@pytest.fixture
def access(tmp_path):
    clock = FakeClock(dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc))
    db = open_database(tmp_path / "k.db")
    return TechnicianAccess(db, clock=clock), clock, db


def audit_actions(db):
    with db.transaction() as s:
        return [json.loads(e.payload)["action"] for e in s.scalars(select(OutboxEvent).where(OutboxEvent.type == "audit"))]


def test_pin_is_stored_hashed_and_checked(access):
    tech, clock, db = access
    with pytest.raises(PinRefused) as err:
        tech.enter("2580")
    assert err.value.reason == "not_set"
    tech.set_pin("2580")
    with db.transaction() as s:
        stored = s.get(SyncState, "technician.pin").value
    assert "2580" not in stored and stored.startswith("scrypt$")
    tech.enter("2580")
    assert audit_actions(db) == ["technician.pin_changed", "technician.entered"]


@pytest.mark.parametrize("pin", ["1234", "0000", "12", "abcd", "9876"])
def test_weak_pins_are_refused(access, pin):
    tech, _, _ = access
    with pytest.raises(PinRefused) as err:
        tech.set_pin(pin)
    assert err.value.reason == "weak"


def test_wrong_pins_lock_for_a_growing_time_that_survives_restart(access, tmp_path):
    tech, clock, db = access
    tech.set_pin("2580")
    for left in (2, 1):
        with pytest.raises(PinRefused, match=f"{left} attempt"):
            tech.enter("1111")
    with pytest.raises(PinRefused, match="locked for 30 s"):
        tech.enter("1111")
    with pytest.raises(PinRefused) as err:
        tech.enter("2580")  # even the right PIN waits out the lock
    assert err.value.reason == "locked"
    # a restart keeps the lock
    again = TechnicianAccess(open_database(tmp_path / "k.db"), clock=clock)
    assert again.locked_until() is not None
    clock.advance(seconds=31)
    with pytest.raises(PinRefused, match="locked for 60 s"):
        again.enter("0000")
    clock.advance(seconds=61)
    with pytest.raises(PinRefused, match="locked for 120 s"):
        again.enter("0000")
    clock.advance(seconds=121)
    again.enter("2580")
    assert again.locked_until() is None
    clock.advance(seconds=1)
    with pytest.raises(PinRefused, match="2 attempt"):  # the count starts over after a success
        again.enter("9999")
    actions = audit_actions(db)
    assert actions.count("technician.locked") == 3 and "technician.refused_locked" in actions


def test_changing_the_pin_needs_the_current_one(access):
    tech, _, _ = access
    tech.set_pin("2580")
    with pytest.raises(PinRefused):
        tech.set_pin("3691")
    with pytest.raises(PinRefused):
        tech.set_pin("3691", current_pin="1470")
    tech.set_pin("3691", current_pin="2580")
    tech.enter("3691")
