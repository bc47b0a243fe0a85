"""The push channel (GET /api/v1/calls/stream): calls reach listeners at once, a resume loses nothing,
each listener hears its own centre only, and bad credentials get a plain 401."""
from __future__ import annotations

import datetime as dt
import re
import threading
import uuid
from typing import Any

import httpx
import pytest
from central_helpers import Central, event, issued, now
from sqlalchemy import inspect

from central import ticket_pages
from kiosk.contract.ticket_page import make_token
from kiosk.contract.wire import TicketCalled
from kiosk.sync.client import CentralClient, CentralRejected
from kiosk.sync.sse import SseEvent, parse, stream
from tests.waiting import wait_until


class Listener:
    """Reads a stream on a thread with the kiosk's own SSE reader; events land in `events`."""

    def __init__(self, client: CentralClient, path: str = "/api/v1/calls/stream", last_id: str | None = None) -> None:
        self.events: list[SseEvent] = []
        self.error: Exception | None = None
        self.client = client
        self._thread = threading.Thread(target=self._run, args=(path, last_id), daemon=True)
        self._thread.start()

    def _run(self, path: str, last_id: str | None) -> None:
        try:
            for ev in stream(self.client, path, last_id):
                self.events.append(ev)
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            self.error = exc

    def calls(self) -> list[str]:
        return [e.data["display_number"] for e in self.events if e.event == "call"]

    def close(self) -> None:
        self.client.session.close()


def issue(kiosk: Any, labels: str) -> dict[str, str]:
    ids = {x: str(uuid.uuid4()) for x in labels.split()}
    base = now() - dt.timedelta(minutes=30)
    evs = [issued(kiosk, ids[x], at=base + dt.timedelta(seconds=i), display=x) for i, x in enumerate(labels.split())]
    assert all(r["status"] == "accepted" for r in kiosk.send(*evs).json()["results"])
    return ids


def test_parser_follows_the_event_stream_format() -> None:
    text = ["retry: 2000", "event: hello", 'data: {"a": 1}', "", ": keepalive", "", "id: x|1", "event: call",
            "data: {\"n\":", "data: 2}", "", "data: not json", ""]
    assert list(parse(text)) == [SseEvent("hello", {"a": 1}, None), SseEvent("call", {"n": 2}, "x|1"),
                                 SseEvent("message", None, "x|1")]


def test_calls_are_pushed_and_a_resume_loses_nothing(any_central: Central) -> None:
    central = any_central
    kiosk, counter, display = central.enrol("lobby"), central.enrol("counter"), central.enrol("display")
    issue(kiosk, "A001 A002 A003 A004")
    first = Listener(CentralClient(central.url, display.token))
    wait_until(lambda: first.events, message="the hello event")
    assert first.events[0].event == "hello" and first.events[0].data["calls"] == []
    assert counter.post("/api/v1/counters/1/call-next").status_code == 200
    wait_until(lambda: first.calls() == ["A001"], message="A001 pushed")
    last_id = first.events[-1].id
    assert last_id and last_id.endswith("|" + first.events[-1].data["ticket_id"])
    first.close()  # the display loses the network; two calls and a recall meanwhile
    counter.post("/api/v1/counters/1/complete")
    counter.post("/api/v1/counters/1/call-next")
    counter.post("/api/v1/counters/2/call-next")
    counter.post("/api/v1/counters/2/recall")
    again = Listener(CentralClient(central.url, display.token), last_id=last_id)
    # A003's recall is its latest call: the display shows it once, as a recall
    wait_until(lambda: again.calls() == ["A002", "A003"], message="the calls made meanwhile, once each")
    assert [e.data["recall"] for e in again.events if e.event == "call"] == [False, True]
    # a call sent by a counter's outbox (made offline) is pushed too
    ids = issue(kiosk, "A005")
    counter.send(event(TicketCalled(ticket_id=ids["A005"], counter=3, officer="nv03")))
    wait_until(lambda: again.calls()[-1:] == ["A005"], message="an ingested call pushed")
    fresh = Listener(CentralClient(central.url, display.token))
    wait_until(lambda: fresh.events, message="hello")
    assert [c["display_number"] for c in fresh.events[0].data["calls"]] == ["A001", "A002", "A003", "A005"]
    for listener in (again, fresh):
        listener.close()


def test_calls_made_by_another_worker_reach_the_listeners_through_the_poll(any_central: Central) -> None:
    from central.embedded import start_embedded

    central = any_central
    other = Central(start_embedded(central.db.url, admin_token=central.embedded.admin_token))  # a second worker
    try:
        kiosk, counter, display = central.enrol("lobby"), central.enrol("counter"), central.enrol("display")
        issue(kiosk, "A001 A002 A003")
        listener = Listener(CentralClient(central.url, display.token))
        wait_until(lambda: listener.events, message="the hello event")
        with httpx.Client(base_url=other.url, headers={"Authorization": f"Bearer {counter.token}"}) as there:
            assert there.post("/api/v1/counters/1/call-next").status_code == 200
            wait_until(lambda: listener.calls() == ["A001"], message="A001, called on the other worker")
            assert there.post("/api/v1/counters/2/call-next").status_code == 200
            assert there.post("/api/v1/counters/1/complete").status_code == 200
        assert counter.post("/api/v1/counters/1/call-next").status_code == 200  # and one on this worker
        wait_until(lambda: listener.calls() == ["A001", "A002", "A003"], message="each call once, in order")
        listener.close()
    finally:
        other.embedded.stop()


def test_ticket_pages_listen_with_their_token_and_strangers_get_401(central: Central) -> None:
    kiosk, counter = central.enrol("lobby"), central.enrol("counter")
    ids = issue(kiosk, "A001")
    with central.db.transaction() as s:
        key = ticket_pages.current_key(s, 1)
    page = Listener(CentralClient(central.url), f"/api/v1/calls/stream?ticket={make_token(key, ids['A001'])}")
    wait_until(lambda: page.events, message="hello")
    counter.post("/api/v1/counters/1/call-next")
    wait_until(lambda: page.calls() == ["A001"], message="the ticket page hears its call")
    page.close()
    bad = [("/api/v1/calls/stream", {}), ("/api/v1/calls/stream", {"Authorization": "Bearer nope"}),
           ("/api/v1/calls/stream?ticket=" + make_token(key, str(uuid.uuid4()))[:-2] + "xx", {}),
           ("/api/v1/calls/stream?ticket=" + make_token("00" * 32, ids["A001"]), {})]
    for path, headers in bad:
        r = httpx.get(central.url + path, headers=headers)
        assert r.status_code == 401 and r.json()["detail"], path
    with central.db.transaction() as s:
        ticket_pages.rotate_key(s, 1)  # revoked: the old tokens name nothing
    r = httpx.get(f"{central.url}/api/v1/calls/stream?ticket={make_token(key, ids['A001'])}")
    assert r.status_code == 401
    display = central.enrol("display")
    r = httpx.get(f"{central.url}/api/v1/calls/stream", params={"since": "yesterday"},
                  headers={"Authorization": f"Bearer {display.token}"})
    assert r.status_code == 422
    try:
        list(stream(CentralClient(central.url, "nope"), "/api/v1/calls/stream"))
    except CentralRejected as exc:
        assert exc.status == 401
    else:
        raise AssertionError("a bad token must be refused")


def test_the_calls_query_is_indexed(central: Central) -> None:
    indexes = {i["name"]: i["column_names"] for i in inspect(central.db.engine).get_indexes("tickets")}
    assert indexes["ix_tickets_calls"] == ["centre_id", "day", "called_at"]


@pytest.mark.long
def test_the_kivy_display_follows_the_push_and_polls_when_it_breaks(central: Central) -> None:
    from kiosk.contract.config import SAMPLE_CONFIG, load_config
    from kiosk.counter.client import CounterClient
    from kiosk.i18n import Translator
    from kiosk.sync.client import CentralUnavailable
    from screens.display.calls import CallsPoller

    kiosk, counter, display = central.enrol("lobby"), central.enrol("counter"), central.enrol("display")
    issue(kiosk, "A001 A002 A003")
    client, pusher = CentralClient(central.url, display.token), CentralClient(central.url, display.token)
    shown: list[str] = []
    poller = CallsPoller(CounterClient(client).calls, load_config(SAMPLE_CONFIG), Translator("vi"),
                         on_calls=lambda calls: shown.extend(c.display_number for c in calls),
                         on_online=lambda online: None, interval_s=0.05,
                         stream_calls=lambda last, on_open: stream(pusher, "/api/v1/calls/stream", last, on_open=on_open))
    poller.STREAM_RETRY_S = (0.2, 0.2)
    poller.start()
    try:
        wait_until(lambda: poller.streaming, message="the display on the push channel")
        counter.post("/api/v1/counters/1/call-next")
        wait_until(lambda: shown == ["A001"], message="A001 pushed")
        assert poller.pushed == 1 and poller.polls == 0

        def broken(*_args: Any) -> Any:
            raise CentralUnavailable("push channel blocked by a proxy")
        working, poller.stream_calls = poller.stream_calls, broken
        poller.interrupt()
        wait_until(lambda: not poller.streaming and poller.polls > 0, message="polling as the fallback")
        counter.post("/api/v1/counters/2/call-next")
        wait_until(lambda: shown == ["A001", "A002"], message="A002 by polling")
        poller.stream_calls = working
        wait_until(lambda: poller.streaming, message="back on the push channel")
        counter.post("/api/v1/counters/1/complete")
        assert counter.post("/api/v1/counters/1/call-next").json()["ticket"]["display_number"] == "A003"
        wait_until(lambda: shown == ["A001", "A002", "A003"], message="A003 pushed, each call shown once")
    finally:
        poller.stop()


def test_a_lobby_gets_the_ticket_key_at_enrolment_and_its_tokens_open_the_page(central: Central) -> None:
    r = httpx.post(f"{central.url}/api/v1/enrol", json={"code": central.code("lobby")})
    key = r.json()["ticket_key"]
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    counter = httpx.post(f"{central.url}/api/v1/enrol", json={"code": central.code("counter", counters=[1])})
    assert counter.json()["ticket_key"] is None  # only the kiosks that print tickets hold it
    tid = str(uuid.uuid4())
    state = httpx.get(f"{central.url}/t/{make_token(key, tid)}/state").json()
    assert state["known"] is False and state["ticket_id"] == tid  # issued offline: "đang cập nhật"
