"""The citizen's private rating terminal (issue 15): a `rating` device bound to counter 1 learns
from the central that the counter served a ticket, rates it by the counter's rules, and the
central accepts its rating and reason (and nothing a counter alone may say)."""
from __future__ import annotations

import datetime as dt
import tomllib

import pytest
import requests
from sqlalchemy import select

from benchmarks.sync_support import start_central
from kiosk.contract.config import SAMPLE_CONFIG, parse_config
from kiosk.contract.events import Event
from kiosk.contract.wire import TicketCalled
from kiosk.counter import CounterService
from kiosk.counter.client import CounterClient
from kiosk.counter.terminal import RatingTerminal
from kiosk.health import HealthBoard
from kiosk.storage import open_database
from kiosk.sync.client import CentralClient, CentralRejected
from kiosk.sync.sender import OutboxSender
from tests.test_counter_central import CounterDevice, enrol, issue_tickets


@pytest.fixture
def central(tmp_path):
    c = start_central(tmp_path)
    yield c
    c.stop()


def test_rating_terminal_rates_what_its_counter_served_and_the_central_accepts_it(tmp_path, central):
    from central.ratings import Rating
    issue_tickets(central, "TPHT", "A", 2)
    counter = CounterDevice(tmp_path, central, "c1", [1])
    answer = enrol(central, "rating", [1])
    data = tomllib.loads(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    data["device"].update(id=answer["device_id"], role="rating")
    data["counter"] = {"counters": [1]}
    config = parse_config(data)
    db = open_database(tmp_path / "rating" / "kiosk.db")
    client = CentralClient(central.url, answer["token"], timeout=5)
    svc = CounterService(db, config, counters=[1])
    events: list[str] = []
    svc.listeners.append(lambda kind, _data: events.append(kind))
    terminal = RatingTerminal(svc, CounterClient(client), 1)
    assert terminal.poll_once() is False  # nothing served yet
    cur = counter.service.call_next(1)
    counter.service.complete(1)
    assert terminal.poll_once() is True and terminal.poll_once() is False  # one request per ticket
    assert events[:2] == ["served", "rating_requested"]
    svc.rate_press(1, 3, "touch")   # Không hài lòng, stored at once
    svc.decline_reason(1)           # "Không muốn trả lời"
    sender = OutboxSender(db, client, answer["device_id"], HealthBoard(), backoff_base_s=0.01)
    result = sender.flush()
    assert result.error is None and result.dead_lettered == 0 and result.delivered >= 2
    with central.db.transaction() as s:
        r = s.scalar(select(Rating).where(Rating.ticket_id == cur.ticket_id))
        assert (r.counter, r.officer, r.level, r.reason) == (1, "nv01", "unsatisfied", None)
    assert terminal.poll_once() is False  # rated: no new request
    # bound to counter 1 only; and a terminal may not act as a counter
    with pytest.raises(CentralRejected) as exc:
        CounterClient(client).rating_request(2)
    assert exc.value.status == 403
    bad = Event(TicketCalled(ticket_id=cur.ticket_id, counter=1, officer="nv01")).wire()
    body = client.post_events(answer["device_id"], [bad], dt.datetime.now(dt.timezone.utc))
    assert [(v["status"], v["reason"]) for v in body["results"]] == [("rejected", "role")]
    r = requests.post(f"{central.url}/api/v1/counters/1/call-next", headers=dict(client.session.headers), timeout=10)
    assert r.status_code == 403
    db.close()
    counter.close()
