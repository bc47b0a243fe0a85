"""Issue 14, central side: dossiers linked to tickets, reasons attached later, one rating per dossier."""
from __future__ import annotations

import re
import threading
import uuid
from typing import Any

import httpx
from central_helpers import Central, Device, event, issued, now
from sqlalchemy import select
from web_support import PASSWORD, add_people

from central.centres import load_toml
from central.dossier_links import DossierLink, RatedDossier
from central.ratings import Rating
from kiosk.contract.config import SAMPLE_CONFIG
from kiosk.contract.wire import (
    RatingReason,
    RatingRecorded,
    RatingRejectedPress,
    TicketCalled,
    TicketDossierLinked,
    TicketServed,
)

DOSSIER = "000.00.12.H12-261110-0001"       # the sample centre's agency (000.00.12.H12)
OTHER_AGENCY = "000.00.12.H62-261110-0001"  # another agency's dossier


def results(r: Any) -> list[tuple[str, str | None]]:
    assert r.status_code == 200, r.text
    return [(x["status"], x["reason"]) for x in r.json()["results"]]


def serving(central: Central, counter_dev: Device, counter: int, *tickets: str) -> None:
    """Lobby tickets, each called at `counter` by counter_dev."""
    lobby = central.enrol("lobby")
    assert {s for s, _ in results(lobby.send(*(issued(lobby, t) for t in tickets)))} == {"accepted"}
    calls = [event(TicketCalled(ticket_id=t, counter=counter, officer="nv01")) for t in tickets]
    assert {s for s, _ in results(counter_dev.send(*calls))} == {"accepted"}


def link(ticket: str, counter: int, code: str = DOSSIER) -> dict[str, Any]:
    return event(TicketDossierLinked(ticket_id=ticket, counter=counter, officer="nv01", dossier_code=code))


def rating(ticket: str | None, counter: int, level: str = "unsatisfied", dossier: str | None = None,
           rating_id: str | None = None) -> dict[str, Any]:
    return event(RatingRecorded(rating_id=rating_id or str(uuid.uuid4()), ticket_id=ticket, counter=counter,
                                officer="nv01", level=level, dossier_code=dossier))


def reason(rating_id: str, counter: int, answered: bool, text: str | None = None,
           code: str | None = None) -> dict[str, Any]:
    return event(RatingReason(rating_id=rating_id, counter=counter, answered=answered, reason=text, reason_code=code))


def test_a_linked_dossier_is_stored_and_its_rating_takes_it(any_central: Central) -> None:
    dev = any_central.enrol("counter")
    serving(any_central, dev, 1, "t1")
    # typed in lower case with spaces: stored normalised, once however often it is scanned
    assert results(dev.send(link("t1", 1, " 000.00.12.h12-261110-0001 "), link("t1", 1))) == \
        [("accepted", None), ("accepted", None)]
    assert results(dev.send(rating("t1", 1, rating_id="r1"))) == [("accepted", None)]
    with any_central.db.transaction() as s:
        links = s.execute(select(DossierLink.ticket_id, DossierLink.dossier_code, DossierLink.counter,
                                 DossierLink.officer)).all()
        assert links == [("t1", DOSSIER, 1, "nv01")]
        assert s.execute(select(RatedDossier.dossier_code, RatedDossier.rating_id)).all() == [(DOSSIER, "r1")]
        # the link is not a ticket state: the ticket stays called at counter 1
        assert s.scalar(select(Rating.reason_state).where(Rating.rating_id == "r1")) is None  # no reason yet


def test_a_reason_is_attached_later_and_not_answered_stays_distinct(any_central: Central) -> None:
    dev = any_central.enrol("counter")
    serving(any_central, dev, 1, "t1", "t2", "t3")
    sent = [rating("t1", 1, rating_id="ra"), rating("t2", 1, rating_id="rb"),
            rating("t3", 1, level="satisfied", rating_id="rc")]
    assert {s for s, _ in results(dev.send(*sent))} == {"accepted"}
    assert results(dev.send(reason("ra", 1, True, "Chờ lâu", "long_wait"), reason("rb", 1, False))) == \
        [("accepted", None), ("accepted", None)]
    # a second reason for the same rating: the first stays
    assert results(dev.send(reason("ra", 1, True, "Thái độ", "attitude"))) == [("rejected", "reason_already_given")]
    with any_central.db.transaction() as s:
        rows = {r.rating_id: (r.reason_state, r.reason, r.reason_code) for r in s.scalars(select(Rating))}
    assert rows == {"ra": ("answered", "Chờ lâu", "long_wait"), "rb": ("not_answered", None, None),
                    "rc": (None, None, None)}


def test_only_the_counter_of_the_ticket_links_and_attaches(any_central: Central) -> None:
    one, two = any_central.enrol("counter", counters=[1]), any_central.enrol("counter", counters=[2])
    both = any_central.enrol("counter", counters=[1, 2])
    serving(any_central, one, 1, "t1")
    assert results(two.send(link("t1", 1))) == [("rejected", "counter_not_yours")]
    assert results(both.send(link("t1", 2))) == [("rejected", "not_served_here")]
    assert results(one.send(link("unknown-ticket", 1))) == [("rejected", "not_served_here")]
    assert results(one.send(rating("t1", 1, rating_id="r1"))) == [("accepted", None)]
    assert results(both.send(reason("r1", 2, True, "x"))) == [("rejected", "not_served_here")]
    assert results(two.send(reason("r1", 1, True, "x"))) == [("rejected", "counter_not_yours")]
    assert results(one.send(reason("nope", 1, True, "x"))) == [("rejected", "unknown_rating")]


def test_a_dossier_of_another_agency_or_no_code_is_refused(any_central: Central) -> None:
    dev = any_central.enrol("counter")
    serving(any_central, dev, 1, "t1")
    r = dev.send(link("t1", 1, OTHER_AGENCY), link("t1", 1, "not a code"), rating("t1", 1, dossier=OTHER_AGENCY))
    assert results(r) == [("rejected", "other_agency"), ("rejected", "invalid"), ("rejected", "other_agency")]
    assert "000.00.12.H62" in r.json()["results"][0]["message"]
    with any_central.db.transaction() as s:
        assert s.scalars(select(DossierLink)).all() == [] and s.scalars(select(Rating)).all() == []


def test_one_rating_per_dossier_even_from_two_counters_at_once(any_central: Central) -> None:
    one, two = any_central.enrol("counter", counters=[1]), any_central.enrol("counter", counters=[2])
    serving(any_central, one, 1, "t1")
    serving(any_central, two, 2, "t2")
    assert results(one.send(link("t1", 1))) == [("accepted", None)]
    assert results(two.send(link("t2", 2))) == [("accepted", None)]
    answers: dict[str, list[tuple[str, str | None]]] = {}
    start = threading.Barrier(2)

    def rate(name: str, dev: Device, ticket: str, counter: int) -> None:
        body = rating(ticket, counter, rating_id=f"r-{name}")
        start.wait(timeout=10)
        answers[name] = results(dev.send(body))

    threads = [threading.Thread(target=rate, args=("a", one, "t1", 1)),
               threading.Thread(target=rate, args=("b", two, "t2", 2))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(answers.values()) == [[("accepted", None)], [("rejected", "dossier_already_rated")]]
    with any_central.db.transaction() as s:
        assert len(s.scalars(select(Rating)).all()) == 1
        holder = s.scalar(select(RatedDossier.rating_id))
        assert holder == s.scalar(select(Rating.rating_id))
    # the same dossier named on a ticketless rating: refused too
    assert results(one.send(rating(None, 1, dossier=DOSSIER))) == [("rejected", "dossier_already_rated")]


def test_a_refused_rating_takes_no_dossier(any_central: Central) -> None:
    dev = any_central.enrol("counter")
    serving(any_central, dev, 1, "t1", "t2")
    second = "000.00.12.H12-261110-0002"
    assert results(dev.send(link("t1", 1), link("t2", 1, second))) == [("accepted", None)] * 2
    assert results(dev.send(rating("t1", 1, rating_id="x"))) == [("accepted", None)]
    # t2's rating also names t1's dossier: refused whole, and t2's own dossier stays free
    assert results(dev.send(rating("t2", 1, dossier=DOSSIER, rating_id="y"))) == \
        [("rejected", "dossier_already_rated")]
    assert results(dev.send(rating("t2", 1, rating_id="z"))) == [("accepted", None)]
    with any_central.db.transaction() as s:
        held = dict(s.execute(select(RatedDossier.dossier_code, RatedDossier.rating_id)).all())
    assert held == {DOSSIER: "x", second: "z"}


def test_reports_say_how_many_dossiers_and_served_tickets_were_rated(any_central: Central) -> None:
    """The report API and the web report page: % of dossiers rated, % of served tickets rated,
    reasons per counter with "không trả lời" apart, rejected presses per counter."""
    doc = load_toml(SAMPLE_CONFIG).to_json()  # the centre's own wording of its reason codes
    doc["rating_reasons"] = [{"code": "long_wait", "name": "Chờ quá lâu"}]
    any_central.import_doc(doc)
    dev = any_central.enrol("counter")
    serving(any_central, dev, 1, "t1", "t2", "t3", "t4")
    done = [event(TicketServed(ticket_id=t, counter=1, officer="nv01", started_at=None, completed_at=now()))
            for t in ("t1", "t2", "t3", "t4")]
    codes = [f"000.00.12.H12-261110-000{i}" for i in range(1, 6)]
    sent = [*done, link("t1", 1, codes[0]), link("t1", 1, codes[1]), link("t2", 1, codes[2]),
            link("t3", 1, codes[3]), link("t4", 1, codes[4]),
            rating("t1", 1, rating_id="r1"), rating("t2", 1, rating_id="r2"), rating("t3", 1, "satisfied"),
            reason("r1", 1, True, None, "long_wait"), reason("r2", 1, False),
            rating(None, 1, rating_id="r0"),  # a ticketless "unsatisfied": no reason asked
            event(RatingRejectedPress(counter=1, reason="debounce")),
            event(RatingRejectedPress(counter=1, reason="no_request"))]
    assert {s for s, _ in results(dev.send(*sent))} == {"accepted"}
    with any_central.admin() as c:
        body = c.get("/reports/satisfaction", params={"group": "counter"}).json()
    assert body["coverage"] == {"dossiers_served": 5, "dossiers_rated": 4, "dossiers_rated_pct": 80.0,
                                "dossiers_target_pct": 60.0, "served_tickets": 4, "served_tickets_rated": 3,
                                "served_tickets_rated_pct": 75.0}
    assert sorted((r["counter"], r["state"], r["reason_code"], r["count"]) for r in body["reasons"]) == [
        (1, "answered", "long_wait", 1), (1, "not_answered", None, 1), (1, "not_asked", None, 1)]
    assert {r["label"] for r in body["reasons"]} == {"Chờ quá lâu", "không trả lời", "(không hỏi lý do)"}
    assert sorted((r["counter"], r["reason"], r["count"]) for r in body["rejected_presses"]) == [
        (1, "debounce", 1), (1, "no_request", 1)]
    with any_central.admin() as c:
        html = c.get("/reports/satisfaction", params={"format": "html"}).text
    assert "Tỷ lệ hồ sơ được đánh giá: 80.0 % (4/5 hồ sơ" in html
    add_people(any_central)
    with httpx.Client(base_url=any_central.url) as c:
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
        c.post("/login", data={"csrf_token": token, "username": "admin", "password": PASSWORD})
        page = c.get("/reports")
    assert page.status_code == 200
    kpi = re.search(r'id="kpi-dossiers">(.*?)</div>\s*</div>', page.text, re.S).group(1)
    assert "80" in kpi and "4 / 5" in kpi and "Hồ sơ được đánh giá" in kpi
    by_counter = re.search(r'id="reasons-by-counter">(.*?)</p>', page.text, re.S).group(1)
    assert "Không trả lời 1" in by_counter and "Chờ quá lâu 1" in by_counter and "(không hỏi lý do) 1" in by_counter
