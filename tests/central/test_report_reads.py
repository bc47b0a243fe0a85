"""A report reads in a read-only transaction: on SQLite a long one does not hold up the counters' writes."""
from __future__ import annotations

import datetime as dt
import re
import threading
from contextlib import contextmanager
from typing import Any, Iterator

import httpx
import pytest
from central_helpers import Central, event, issued
from sqlalchemy import select
from web_support import PASSWORD, TZ, add_people, load_week

from central import analytics
from central.rollups import RollupDay
from kiosk.contract.wire import TicketCalled


@contextmanager
def _signed_in(central: Central, user: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=central.url, timeout=60) as c:
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
        assert token is not None
        r = c.post("/login", data={"csrf_token": token.group(1), "username": user, "password": PASSWORD})
        assert r.status_code in (200, 303), r.text[:300]
        yield c


def test_a_long_report_does_not_block_a_call_on_sqlite(central: Central, monkeypatch: pytest.MonkeyPatch) -> None:
    load_week(central, days=3, per_day=9)
    add_people(central)
    counter, lobby = central.enrol("counter"), central.enrol("lobby")
    today = dt.datetime.now(TZ).date()
    query = f"/reports?from={today - dt.timedelta(days=6)}&to={today}&group=day"
    inside, release = threading.Event(), threading.Event()
    real = analytics.time_percentiles

    def held(s: Any, p: analytics.Period) -> Any:  # the report stops half-way, its transaction open
        inside.set()
        assert release.wait(30), "the test never let the report finish"
        return real(s, p)

    with _signed_in(central, "quanly") as web:
        assert web.get(query).status_code == 200  # the closed days' sums are built (short writes)
        with central.db.transaction() as s:
            assert len(set(s.scalars(select(RollupDay.day)))) == 6
        monkeypatch.setattr(analytics, "time_percentiles", held)
        answer: dict[str, Any] = {}
        report = threading.Thread(target=lambda: answer.update(r=web.get(query)), daemon=True)
        report.start()
        try:
            assert inside.wait(30), "the report never reached its percentiles"
            # While the report is held: a ticket is issued and called, both written at once.
            r = lobby.send(issued(lobby, "held-1", at=dt.datetime.now(dt.timezone.utc)))
            assert r.json()["results"][0]["status"] == "accepted"
            with httpx.Client(base_url=central.url, timeout=10,
                              headers={"Authorization": f"Bearer {counter.token}"}) as c:
                body = {"device_id": counter.device_id, "sent_at": dt.datetime.now(dt.timezone.utc).isoformat(),
                        "events": [event(TicketCalled(ticket_id="held-1", counter=1, officer="nv01"))]}
                called = c.post("/api/v1/events", json=body)  # a write lock held by the report: ReadTimeout
            assert called.json()["results"][0]["status"] == "accepted"
            assert report.is_alive() and not release.is_set()  # the report was still running meanwhile
        finally:
            release.set()
            report.join(30)
    assert answer["r"].status_code == 200 and 'id="satisfaction"' in answer["r"].text


def test_sums_missing_from_a_read_are_built_in_short_writes(central: Central) -> None:
    load_week(central, days=9, per_day=3)
    today = dt.datetime.now(TZ).date()
    with central.db.transaction() as s:
        cid = s.scalar(select(RollupDay.centre_id).limit(1))  # none yet
        assert cid is None
    p = analytics.Period(1, TZ, today - dt.timedelta(days=9), today)
    with pytest.raises(analytics.RollupsMissing) as missing, central.db.reading() as s:
        analytics.rating_local(s, p, "day")
    writes: list[int] = []
    real = central.db.transaction

    def counted() -> Any:
        writes.append(1)
        return real()

    central.db.transaction = counted  # type: ignore[method-assign]
    try:
        analytics.build_missing(central.db, missing.value, chunk_days=4)
    finally:
        del central.db.transaction
    assert len(writes) == 3  # 9 closed days, 4 a write
    by_day = analytics.read_report(central.db, lambda s: analytics.rating_local(s, p, "day"))
    with central.db.transaction() as s:
        assert len(set(s.scalars(select(RollupDay.day)))) == 9
        raw = analytics.rating_local(s, analytics.Period(1, TZ, p.start, p.end, today=p.start), "day")
    assert by_day == raw  # the sums say what the rows say
