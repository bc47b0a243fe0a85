"""The merged queue: ratio rules, call order, counter actions and offline reconciliation."""
from __future__ import annotations

import datetime as dt
import random

from central_helpers import Central, event, issued, now
from hypothesis import given, settings
from hypothesis import strategies as st

from central.queue import call_order, step
from central.tickets import Applied, blank, reduce
from kiosk.contract.config import QueueRules
from kiosk.contract.wire import (RatingRecorded, TicketCalled, TicketIssued, TicketNoShow, TicketPrinted, TicketServed,
                                 TicketTransferred)


def order(labels: str, priority: int, normal: int, taken: tuple[int, int] = (0, 0)) -> str:
    items = labels.split()
    return " ".join(call_order([x for x in items if x[0] == "P"], [x for x in items if x[0] == "N"], taken,
                               QueueRules(priority=priority, normal=normal)))


def test_call_order_follows_the_ratio() -> None:
    assert order("N1 N2 P1 N3 P2 N4", 1, 2) == "P1 N1 N2 P2 N3 N4"
    assert order("N1 N2 P1 N3 P2 N4", 2, 1) == "P1 P2 N1 N2 N3 N4"
    assert order("N1 N2 N3 P1 P2 P3 P4", 1, 1) == "P1 N1 P2 N2 P3 N3 P4"
    assert order("N1 N2 N3", 1, 2) == "N1 N2 N3"          # nobody with priority: skipped
    assert order("P1 P2 P3", 1, 2) == "P1 P2 P3"          # nobody normal: skipped
    assert order("N1 N2 P1", 1, 2, taken=(1, 1)) == "N1 P1 N2"  # mid-cycle: one normal call left
    assert order("", 1, 2) == ""


@settings(max_examples=200, deadline=None)
@given(st.lists(st.booleans(), max_size=30), st.integers(1, 4), st.integers(1, 4))
def test_call_order_is_a_fifo_merge_and_matches_step_by_step(flags: list[bool], p: int, n: int) -> None:
    rules = QueueRules(priority=p, normal=n)
    prio = [f"P{i}" for i, f in enumerate(flags) if f]
    normal = [f"N{i}" for i, f in enumerate(flags) if not f]
    out = call_order(prio, normal, (0, 0), rules)
    assert sorted(out) == sorted(prio + normal)
    assert [x for x in out if x[0] == "P"] == prio and [x for x in out if x[0] == "N"] == normal
    taken, pi, ni, stepped = (0, 0), 0, 0, []
    while (nxt := step(taken, rules, pi < len(prio), ni < len(normal))) is not None:
        kind, taken = nxt
        stepped.append(prio[pi] if kind == "priority" else normal[ni])
        pi, ni = (pi + 1, ni) if kind == "priority" else (pi, ni + 1)
    assert stepped == out


T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)
ticket_events = st.lists(st.tuples(
    st.sampled_from(["ticket.called", "ticket.served", "ticket.no_show", "ticket.transferred", "ticket.printed"]),
    st.integers(0, 3600), st.integers(1, 8)), max_size=6)


@settings(max_examples=150, deadline=None)
@given(ticket_events, st.randoms(use_true_random=False))
def test_ticket_projection_does_not_depend_on_arrival_order(spec: list, rnd: random.Random) -> None:
    payloads = {  # built with the contract's models, as the kiosk does
        "ticket.called": lambda c: TicketCalled(ticket_id="t", counter=c, officer=f"nv{c}"),
        "ticket.served": lambda c: TicketServed(ticket_id="t", counter=c, officer=f"nv{c}", started_at=T0,
                                                completed_at=T0 + dt.timedelta(hours=2)),
        "ticket.no_show": lambda c: TicketNoShow(ticket_id="t", counter=c),
        "ticket.transferred": lambda c: TicketTransferred(ticket_id="t", counter=c, to_service_code=f"S{c}"),
        "ticket.printed": lambda c: TicketPrinted(ticket_id="t", ok=c % 2 == 0, status="ok"),
    }
    first = TicketIssued(ticket_id="t", service_code="TPHT", day="2026-11-23", number=1, display_number="A001",
                         priority_group=None, issued_at=T0)
    evs = [Applied("e-issued", "ticket.issued", T0, first.wire(), "d1")]
    for i, (kind, secs, c) in enumerate(spec):
        evs.append(Applied(f"e{i}", kind, T0 + dt.timedelta(seconds=secs),
                           payloads[kind](c).wire(), "d2"))
    results = []
    for _ in range(4):
        rnd.shuffle(evs)
        row = blank(1, "t")
        for ev in evs:
            reduce(row, ev)
        results.append(row)
    assert all(r == results[0] for r in results[1:])


def issue(kiosk, labels: str, service: str = "TPHT", base: dt.datetime | None = None) -> None:
    """Tickets labelled N1, P1... (P: priority), issued a second apart from the kiosk's own block."""
    base = base or now() - dt.timedelta(minutes=30)
    evs = [issued(kiosk, x, service=service, priority="elderly" if x[0] == "P" else None,
                  at=base + dt.timedelta(seconds=i), display=x) for i, x in enumerate(labels.split())]
    assert all(r["status"] == "accepted" for r in kiosk.send(*evs).json()["results"])


def waiting(dev, service: str = "TPHT") -> str:
    r = dev.get("/api/v1/queue", params={"service": service})
    assert r.status_code == 200, r.text
    return " ".join(t["display_number"] for t in r.json()["waiting"])


def call(counter, number: int = 1) -> str | None:
    r = counter.post(f"/api/v1/counters/{number}/call-next")
    assert r.status_code == 200, r.text
    t = r.json()["ticket"]
    return t and t["display_number"]


def test_call_next_follows_the_queue_rules_over_http(any_central: Central) -> None:
    kiosk, counter = any_central.enrol("lobby"), any_central.enrol("counter")
    issue(kiosk, "N1 N2 P1 N3 P2 N4")
    assert waiting(kiosk) == "P1 N1 N2 P2 N3 N4"
    summary = kiosk.get("/api/v1/queue/summary").json()
    assert {s["service_code"]: s["waiting"] for s in summary["services"]}["TPHT"] == 6
    got = []
    for _ in range(2):
        got.append(call(counter))
        assert counter.post("/api/v1/counters/1/complete").json()["status"] == "served"
    issue(kiosk, "P3", base=now())  # arrives mid-cycle: the cycle position is kept in the database
    assert waiting(kiosk) == "N2 P2 N3 N4 P3"
    while (label := call(counter)) is not None:
        got.append(label)
        counter.post("/api/v1/counters/1/complete")
    assert " ".join(got) == "P1 N1 N2 P2 N3 N4 P3"
    assert waiting(kiosk) == ""


def test_counter_actions(central: Central) -> None:
    kiosk, counter = central.enrol("lobby"), central.enrol("counter")
    issue(kiosk, "N1 N2 N3")
    assert central.enrol("display").post("/api/v1/counters/1/call-next").status_code == 403
    assert counter.post("/api/v1/counters/99/call-next").status_code == 404
    assert counter.post("/api/v1/counters/1/complete").status_code == 409  # nothing in service
    assert call(counter) == "N1"
    r = counter.post("/api/v1/counters/1/call-next")
    assert r.status_code == 409 and "N1" in r.json()["detail"]  # one ticket in service per counter
    r = counter.post("/api/v1/counters/1/recall")
    assert r.json()["display_number"] == "N1" and r.json()["status"] == "called"
    assert counter.post("/api/v1/counters/1/no-show").json()["status"] == "no_show"
    assert call(counter) == "N2"
    assert counter.post("/api/v1/counters/1/transfer", json={"to_service_code": "NOPE"}).status_code == 404
    r = counter.post("/api/v1/counters/1/transfer", json={"to_service_code": "CT"})
    assert r.json()["status"] == "waiting" and r.json()["service_code"] == "CT"
    assert waiting(kiosk, "CT") == "N2" and waiting(kiosk) == "N3"
    assert call(counter, 8) == "N2"  # counter 8 serves CT
    assert call(counter) == "N3"
    assert counter.post("/api/v1/counters/1/complete").json()["officer"] == "nv01"


def test_offline_counter_events_reconcile_with_the_queue(central: Central) -> None:
    kiosk, counter = central.enrol("lobby"), central.enrol("counter")
    issue(kiosk, "N1 N2")
    t = now() - dt.timedelta(minutes=5)
    called = event(TicketCalled(ticket_id="N1", counter=3, officer="nv03"), t)
    served = event(TicketServed(ticket_id="N1", counter=3, officer="nv03", started_at=t,
                                completed_at=t + dt.timedelta(minutes=2)), t + dt.timedelta(minutes=2))
    assert [r["status"] for r in counter.send(served, called).json()["results"]] == ["accepted", "accepted"]
    assert waiting(kiosk) == "N2"
    assert call(counter) == "N2"
    # A ticket called before its issue event arrives (other kiosk offline) is merged when it comes.
    late_called = event(TicketCalled(ticket_id="N9", counter=2, officer="nv02"))
    counter.send(late_called)
    issue(kiosk, "N9", base=now() - dt.timedelta(minutes=1))  # issued earlier, arrives later
    assert waiting(kiosk) == ""
    r = counter.get("/api/v1/queue", params={"service": "TPHT"})
    assert r.json()["waiting_count"] == 0
    assert counter.get("/api/v1/queue", params={"service": "NOPE"}).status_code == 404


def test_hall_display_reads_calls_and_recalls_with_their_counter(central: Central) -> None:
    kiosk, counter, display = central.enrol("lobby"), central.enrol("counter"), central.enrol("display")
    issue(kiosk, "N1 N2 N3")
    assert display.get("/api/v1/calls").json()["calls"] == []
    assert call(counter, 1) == "N1"
    assert call(counter, 2) == "N2"  # counter 2 also serves TPHT in the sample centre
    first = display.get("/api/v1/calls").json()
    assert [(c["display_number"], c["counter"], c["recall"]) for c in first["calls"]] == \
        [("N1", 1, False), ("N2", 2, False)]
    since = first["server_time"]
    assert display.get("/api/v1/calls", params={"since": since}).json()["calls"] == []
    counter.post("/api/v1/counters/1/recall")
    again = display.get("/api/v1/calls", params={"since": since}).json()["calls"]
    assert [(c["display_number"], c["counter"], c["recall"]) for c in again] == [("N1", 1, True)]
    assert display.get("/api/v1/calls", params={"since": "2026-11-23T09:00:00"}).status_code == 422


def test_a_counter_device_acts_and_reports_only_for_its_counters(any_central: Central) -> None:
    kiosk = any_central.enrol("lobby")
    one, two = any_central.enrol("counter", counters=[1]), any_central.enrol("counter", counters=[2])
    issue(kiosk, "N1 N2 N3")
    for path in ("call-next", "recall", "complete", "no-show"):  # counter device 2 for counter 1
        r = two.post(f"/api/v1/counters/1/{path}")
        assert r.status_code == 403 and "not bound" in r.json()["detail"], path
    assert two.post("/api/v1/counters/1/transfer", json={"to_service_code": "CT"}).status_code == 403
    assert call(one, 1) == "N1" and call(two, 2) == "N2"
    assert two.post("/api/v1/counters/1/complete").status_code == 403
    assert one.post("/api/v1/counters/1/complete").json()["status"] == "served"
    # and in what it reports
    calls = [event(TicketCalled(ticket_id="N3", counter=1, officer="nv01")),
             event(TicketCalled(ticket_id="N3", counter=2, officer="nv02"))]
    res = two.send(*calls).json()["results"]
    assert [(x["status"], x["reason"]) for x in res] == [("rejected", "counter_not_yours"), ("accepted", None)]
    # a rating only from the counter that served the ticket, one per ticket
    def rating(counter: int, ticket: str) -> dict:
        return event(RatingRecorded(rating_id=f"r-{ticket}-{counter}-{now().timestamp()}", ticket_id=ticket,
                                    counter=counter, officer=None, level="satisfied"))
    assert one.send(rating(2, "N2")).json()["results"][0]["reason"] == "counter_not_yours"
    both = any_central.enrol("counter", counters=[1, 2])  # one device may serve several counters
    assert both.send(rating(1, "N2")).json()["results"][0]["reason"] == "not_served_here"
    assert [x["status"] for x in two.send(rating(2, "N2"), rating(2, "N2")).json()["results"]] == \
        ["accepted", "rejected"]
    assert two.send(rating(2, "N2")).json()["results"][0]["reason"] == "already_rated"
    assert [x["status"] for x in one.send(rating(1, "N1")).json()["results"]] == ["accepted"]


def test_counters_bound_by_the_centre_config(central: Central) -> None:
    from central_helpers import SAMPLE
    kiosk = central.enrol("lobby")
    quay = central.enrol("counter", name="quay-5", counters=[])
    issue(kiosk, "N1")
    assert quay.post("/api/v1/counters/5/call-next").status_code == 403
    doc = SAMPLE.model_dump(mode="json", include={"centre", "services", "priority_groups", "counters", "officers",
                                                  "queue", "numbering", "lobby"})
    for c in doc["counters"]:
        if c["number"] in (5, 6):
            c["device"] = "quay-5"  # by the name given at enrolment (or the device id)
    central.import_doc(doc)
    assert quay.post("/api/v1/counters/5/call-next").status_code == 200
    assert quay.post("/api/v1/counters/7/call-next").status_code == 403
    with central.admin() as c:
        r = c.put(f"/api/v1/admin/devices/{quay.device_id}/counters", json={"counters": [7]})
        assert r.status_code == 200 and r.json()["counters"] == [7]
    assert quay.post("/api/v1/counters/7/call-next").status_code == 200
