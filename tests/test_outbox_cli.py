"""`kiosk outbox dead` and `kiosk outbox requeue`, through the real command, on dead letters made
by the real sender against a real central."""
import datetime as dt
import json
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import select

from benchmarks.sync_support import enrolled_config, start_central
from kiosk.bootstrap import build_core
from kiosk.storage.outbox import DeadLetter, OutboxEvent
from kiosk.sync.client import CentralClient
from kiosk.sync.service import SyncService
from tests.conftest import ROOT, FakeClock

UTC = dt.timezone.utc


def kiosk(*args, data):
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "outbox", *args, "--data", str(data)],
                         capture_output=True, text=True, timeout=60)
    return out


@pytest.fixture
def dead_letters(tmp_path):
    """A kiosk data folder with two events the central refused for good, in a known order."""
    central = start_central(tmp_path)
    config = enrolled_config(central)
    clock = FakeClock(dt.datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    core = build_core(config, tmp_path / "k", clock=clock)
    sync = SyncService(core, CentralClient(config.central.url, config.central.token, timeout=5))
    ids = [str(uuid.uuid4()), str(uuid.uuid4())]
    with core.db.transaction() as s:
        s.add(OutboxEvent(event_id=ids[0], type="ticket.issued", occurred_at=clock.now,
                          payload=json.dumps({"ticket_id": "x"})))  # refused: payload keys missing
        s.add(OutboxEvent(event_id=ids[1], type="audit", occurred_at=clock.now + dt.timedelta(seconds=1),
                          payload=json.dumps({"action": "x" * 3_000_000})))  # refused: too large (413)
    assert sync.sender.flush().dead_lettered == 2
    core.close()
    central.stop()
    yield tmp_path / "k", ids


def outbox_rows(data):
    from kiosk.storage import open_database
    db = open_database(data / "kiosk.db")
    with db.transaction() as s:
        rows = [(e.event_id, e.sent_at, e.attempts) for e in s.scalars(select(OutboxEvent).order_by(OutboxEvent.seq))
                if e.type in ("ticket.issued", "audit")]
        dead = [d.event_id for d in s.scalars(select(DeadLetter))]
    db.close()
    return rows, dead


def test_dead_lists_id_type_reason_and_when(dead_letters):
    data, ids = dead_letters
    out = kiosk("dead", "--json", data=data)
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [r["id"] for r in rows] == ids
    assert [r["type"] for r in rows] == ["ticket.issued", "audit"]
    assert rows[0]["reason"].startswith("invalid: payload.") and "413" in rows[1]["reason"]
    assert all(dt.datetime.fromisoformat(r["failed_at"]) for r in rows)
    text = kiosk("dead", data=data).stdout
    assert ids[0] in text and "ticket.issued" in text


def test_requeue_puts_dead_letters_back_in_their_original_order(dead_letters):
    data, ids = dead_letters
    out = kiosk("requeue", "--id", ids[1], data=data)
    assert out.returncode == 0 and "requeued 1 event(s); 1 dead letter(s) left" in out.stdout
    pending, dead = outbox_rows(data)
    assert [(i, sent) for i, sent, _ in pending if sent is None] == [(ids[1], None)] and dead == [ids[0]]
    out = kiosk("requeue", "--all", data=data)
    assert out.returncode == 0 and "requeued 1 event(s); 0 dead letter(s) left" in out.stdout
    assert kiosk("dead", data=data).stdout.strip() == "no dead letters"


def test_requeue_all_keeps_the_order_and_refuses_unknown_ids(dead_letters):
    data, ids = dead_letters
    out = kiosk("requeue", "--id", "no-such-event", data=data)
    assert out.returncode == 1 and "no dead letter with id no-such-event" in out.stdout
    assert sorted(outbox_rows(data)[1]) == sorted(ids)  # nothing changed
    assert kiosk("requeue", "--all", data=data).returncode == 0
    pending, dead = outbox_rows(data)
    assert [i for i, sent, _ in pending if sent is None] == ids and dead == []
    assert kiosk("requeue", data=data).returncode == 2  # --id or --all is required
