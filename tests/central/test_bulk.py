"""central.bulk writes what the ORM writes (the same stored values, read back the same), counts the
rows it stored, and its `= ANY(array)` look-up finds what `IN` finds — on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Iterator, cast

import pytest
from sqlalchemy import Table, insert, select

from benchmarks.throwaway_pg import ThrowawayPostgres
from central import bulk
from central.centres import CentreRow, load_toml, store_doc
from central.db import Database, JsonText, open_database
from central.events import StoredEvent, payload_text
from central.tickets import COLUMNS, Ticket, blank
from kiosk.contract.config import SAMPLE_CONFIG

TICKETS = cast(Table, Ticket.__table__)
EVENTS = cast(Table, StoredEvent.__table__)
HANOI = dt.timezone(dt.timedelta(hours=7))
AT = dt.datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=HANOI)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/bulk.db"
    else:
        pg: ThrowawayPostgres = request.getfixturevalue("postgres")
        url = pg.create_database(f"bulk_{uuid.uuid4().hex[:8]}")
    database = open_database(url)
    with database.transaction() as s:
        store_doc(s, load_toml(SAMPLE_CONFIG))
    yield database
    database.close()


def _centre(db: Database) -> int:
    with db.reading() as s:
        return int(s.scalars(select(CentreRow.id)).one())


def _ticket(centre: int, tid: str) -> dict[str, Any]:
    row = blank(centre, tid)
    row.update(device_id="dev-1", day="2026-11-23", number=12, display_number="A012", priority_group=None,
               issued_service_code="TPHT", issued_at=AT, printed_ok=True, service_code="TPHT",
               queued_at=AT.astimezone(dt.timezone.utc), status="waiting", status_key="k|Nguyễn 'x'",
               wait_s=12.5, call_count=2)
    return row


def test_insert_new_stores_what_the_orm_stores_and_counts_new_rows(db: Database) -> None:
    centre = _centre(db)
    with db.transaction() as s:
        assert bulk.insert_new(s, TICKETS, COLUMNS, [_ticket(centre, "bulk-1"), _ticket(centre, "bulk-2")]) == 2
        s.execute(insert(TICKETS), [_ticket(centre, "orm-1")])  # the ORM's (Core) way, for comparison
    with db.transaction() as s:  # one stored before, one new: only the new one counts
        assert bulk.insert_new(s, TICKETS, COLUMNS, [_ticket(centre, "bulk-2"), _ticket(centre, "bulk-3")]) == 1
    with db.reading() as s:
        rows = {r["ticket_id"]: dict(r) for r in s.execute(select(TICKETS)).mappings()}
        raw = {tid: tuple(v) for tid, *v in s.connection().exec_driver_sql(
            "SELECT ticket_id, issued_at, queued_at, printed_ok, wait_s, status_key FROM tickets")}
    assert set(rows) == {"bulk-1", "bulk-2", "bulk-3", "orm-1"}
    for tid in ("bulk-1", "bulk-2", "bulk-3"):
        assert {**rows[tid], "ticket_id": "orm-1"} == rows["orm-1"]
        assert raw[tid] == raw["orm-1"]  # the very values in the database, not only as read back
    assert rows["bulk-1"]["issued_at"] == AT and rows["bulk-1"]["priority_group"] is None


def test_event_payload_text_and_update_rows(db: Database) -> None:
    centre = _centre(db)
    payload = {"ticket_id": "t-1", "officer": "Nguyễn Văn A", "counter": 3, "ok": True, "none": None}
    event = {"device_id": "dev-1", "id": "ev-1", "centre_id": centre, "batch_id": None, "type": "ticket.called",
             "occurred_at": AT, "corrected_occurred_at": AT, "received_at": AT,
             "payload": JsonText(payload_text(payload)), "payload_hash": "h"}
    with db.transaction() as s:
        assert bulk.insert_new(s, EVENTS, [c.name for c in EVENTS.columns], [event]) == 1
        bulk.insert_new(s, TICKETS, COLUMNS, [_ticket(centre, "u-1"), _ticket(centre, "u-2")])
        changed = {**_ticket(centre, "u-1"), "status": "called", "counter": 4, "called_at": AT, "officer": None}
        bulk.update_rows(s, TICKETS, ("centre_id", "ticket_id"), ("status", "counter", "called_at", "officer"), [changed])
    with db.reading() as s:
        stored = s.get(StoredEvent, ("dev-1", "ev-1"))
        assert stored is not None and stored.payload == payload and stored.occurred_at == AT
        rows = {r.ticket_id: r for r in s.scalars(select(Ticket).where(Ticket.ticket_id.in_(["u-1", "u-2"])))}
    assert (rows["u-1"].status, rows["u-1"].counter, rows["u-1"].called_at) == ("called", 4, AT)
    assert (rows["u-2"].status, rows["u-2"].counter, rows["u-2"].called_at) == ("waiting", None, None)


def test_among_finds_what_in_finds(db: Database) -> None:
    centre = _centre(db)
    ids = [f"a-{n}" for n in range(1200)]
    with db.transaction() as s:
        bulk.insert_new(s, TICKETS, COLUMNS, [_ticket(centre, i) for i in ids[::2]] + [_ticket(centre, "x" * 64)])
    asked = [*ids, "x" * 70, "nope"]  # a longer value never matches the stored one it would be cut to
    with db.reading() as s:
        found = set(s.scalars(select(TICKETS.c.ticket_id).where(TICKETS.c.centre_id == centre,
                                                                bulk.among(s, TICKETS.c.ticket_id, asked))))
        expected = set(s.scalars(select(TICKETS.c.ticket_id).where(TICKETS.c.centre_id == centre,
                                                                   TICKETS.c.ticket_id.in_(asked))))
    assert found == expected == set(ids[::2])
