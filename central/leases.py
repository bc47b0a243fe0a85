"""Number leases: disjoint blocks of ticket numbers per (centre, service, day).

The top of each service's number space is reserved for offline fallback blocks, one per
device index (see kiosk.contract.numbering); leases never reach into it.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter as Tally
from typing import cast

from sqlalchemy import ForeignKey, Index, String, Table, bindparam, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from central.centres import CentreRow, doc_of
from central.db import Base, dialect_insert, utc_now
from central.devices import Device
from central.tickets import Applied
from kiosk.contract.numbering import lease_limit

MAX_LEASE = 1000


class LeaseCursor(Base):
    """Next number to lease; bumped with one atomic upsert so concurrent leases never overlap."""
    __tablename__ = "lease_cursors"

    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), primary_key=True)
    service_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    next_number: Mapped[int]


class Lease(Base):
    __tablename__ = "leases"
    __table_args__ = (Index(None, "device_id", "service_code", "day"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    device_id: Mapped[str] = mapped_column(String(36))
    service_code: Mapped[str] = mapped_column(String(16))
    day: Mapped[str] = mapped_column(String(10))
    first: Mapped[int]
    last: Mapped[int]
    created_at: Mapped[dt.datetime]
    used: Mapped[int] = mapped_column(default=0)  # ticket.issued events seen with a number in it


class LeaseError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def allocate(session: Session, device: Device, service_code: str, day: str, count: int) -> Lease:
    """Grants up to count numbers (fewer when the leasable space is nearly used up)."""
    centre = session.get(CentreRow, device.centre_id)
    assert centre is not None
    doc = doc_of(centre)
    try:
        service = doc.config.service(service_code)
    except KeyError:
        raise LeaseError(404, f"unknown service {service_code!r} in centre {centre.code}") from None
    try:
        dt.date.fromisoformat(day)
    except ValueError:
        raise LeaseError(422, f"day must be YYYY-MM-DD, got {day!r}") from None
    if not 1 <= count <= MAX_LEASE:
        raise LeaseError(422, f"count must be between 1 and {MAX_LEASE}")
    limit = lease_limit(doc.numbering, service.max_number)
    table = LeaseCursor.__table__
    ins = dialect_insert(session, table).values(centre_id=centre.id, service_code=service_code, day=day,
                                                next_number=1 + count)
    stmt = ins.on_conflict_do_update(index_elements=["centre_id", "service_code", "day"],
                                     set_={"next_number": table.c.next_number + count}).returning(table.c.next_number)
    after = session.execute(stmt).scalar_one()
    first = after - count
    if first > limit:
        # The transaction is rolled back by the caller, so the cursor does not move.
        raise LeaseError(409, f"number space of service {service_code} on {day} is exhausted: numbers 1-{limit} "
                              f"are all leased (above {limit} is the devices' offline fallback space)")
    last = min(after - 1, limit)
    lease = Lease(id=str(uuid.uuid4()), centre_id=centre.id, device_id=device.id, service_code=service_code,
                  day=day, first=first, last=last, created_at=utc_now(), used=0)
    session.add(lease)
    session.flush()
    return lease


def record_usage(session: Session, device: Device, issued: list[Applied]) -> None:
    """Counts issued tickets against the lease they came from (by lease id, else by range)."""
    if not issued:
        return
    leases = session.scalars(select(Lease).where(
        Lease.device_id == device.id,
        Lease.day.in_({str(e.payload["day"]) for e in issued}))).all()
    if not leases:
        return
    by_id = {lease.id: lease for lease in leases}
    tally: Tally[str] = Tally()
    for ev in issued:
        p = ev.payload
        lease = by_id.get(str(p.get("central_lease_id")))
        if lease is None:
            number, code, day = int(p["number"]), str(p["service_code"]), str(p["day"])
            lease = next((x for x in leases if x.service_code == code and x.day == day and x.first <= number <= x.last), None)
        if lease is not None:
            tally[lease.id] += 1
    if tally:
        table = cast(Table, Lease.__table__)
        stmt = update(table).where(table.c.id == bindparam("k_id")).values(used=table.c.used + bindparam("n"))
        session.connection().execute(stmt, [{"k_id": k, "n": n} for k, n in sorted(tally.items())])
