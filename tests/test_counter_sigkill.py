"""The counter killed (SIGKILL) again and again while citizens rate and a Không hài lòng waits for
its reason: every rating acknowledged is stored with its outbox event, every reason acknowledged
is stored, and a reason still asked when the process died is recorded as not answered at the
next start (issue 14: a rating waiting for its reason is never lost)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from kiosk.storage import open_database
from kiosk.storage.outbox import OutboxEvent
from kiosk.storage.ratings import Rating
from tests.conftest import ROOT

KILL_SCRIPT = r"""
import sys
sys.path.insert(0, sys.argv[2])
import tomllib
from kiosk.contract.config import SAMPLE_CONFIG, parse_config
from kiosk.counter import CounterService
from kiosk.storage import open_database
data = tomllib.loads(SAMPLE_CONFIG.read_text(encoding="utf-8"))
data["device"]["role"] = "counter"
data["counter"] = {"counters": [3]}
svc = CounterService(open_database(sys.argv[1]), parse_config(data))
i = int(sys.argv[3])
while True:
    svc.call_typed(3, f"B{i % 900 + 1:03d}")
    cur = svc.complete(3)
    key = 3 if i % 3 else 1                       # 2 in 3: Không hài lòng
    svc.rate_press(3, key, "bus:0x83")
    print("RATED", cur.ticket_id, key, flush=True)  # committed before this line
    if key == 3 and i % 3 == 1:
        svc.choose_reason(3, "long_wait")
        print("REASON", cur.ticket_id, flush=True)
    # i % 3 == 2: the reason is still asked when the next citizen is served (or the process dies)
    i += 1
"""


@pytest.mark.slow
def test_sigkill_while_a_reason_is_asked_loses_neither_the_rating_nor_the_reason(tmp_path):
    db_path = tmp_path / "counter.db"
    rated: dict[str, int] = {}
    reasons: set[str] = set()
    start = 0
    for round_ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(db_path), str(ROOT), str(start)],
                                stdout=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        wanted, lines = 10 + 7 * round_, 0
        while lines < wanted and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            kind, ticket, *rest = line.split()
            if kind == "RATED":
                rated[ticket] = int(rest[0])
                start += 1
            else:
                reasons.add(ticket)
            lines += 1
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        assert lines == wanted, f"round {round_}: killed after {lines} of {wanted} lines"
        start += 1  # the number the killed process was at may be served again: never the same ticket id
    db = open_database(db_path)
    try:
        from kiosk.counter import CounterService
        from tests.counter_support import counter_config
        CounterService(db, counter_config({"counters": [3]}))  # the restart: pending reasons not answered
        with db.transaction() as s:
            rows = {r.ticket_id: r for r in s.scalars(select(Rating))}
            events = [(e.type, json.loads(e.payload)) for e in s.scalars(select(OutboxEvent).where(
                OutboxEvent.type.in_(["rating.recorded", "rating.reason"])).order_by(OutboxEvent.seq))]
    finally:
        db.close()
    recorded = {p["ticket_id"]: p for t, p in events if t == "rating.recorded"}
    reason_events: dict[str, list[dict]] = {}
    for t, p in events:
        if t == "rating.reason":
            reason_events.setdefault(p["rating_id"], []).append(p)
    for ticket, key in rated.items():
        row = rows.get(ticket)
        assert row is not None, "an acknowledged rating was lost"
        assert ticket in recorded and recorded[ticket]["rating_id"] == row.id, "rating without its outbox event"
        if key == 1:
            assert row.reason_state is None and row.id not in reason_events  # no reason asked
            continue
        assert row.level == "unsatisfied" and row.reason_state in ("answered", "unanswered")
        (given,) = reason_events[row.id]  # exactly one reason event per asked reason
        if ticket in reasons:
            assert (row.reason, row.reason_state, given["answered"]) == ("long_wait", "answered", True)
        else:
            assert (row.reason, given["answered"]) == (None, False)
    assert all(r.reason_state != "pending" for r in rows.values())
    assert len(rated) >= 100
