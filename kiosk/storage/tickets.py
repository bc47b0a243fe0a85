from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.storage.base import Base


class Ticket(Base):
    """A queue ticket issued by this kiosk. Committed before it is printed."""
    __tablename__ = "ticket"
    __table_args__ = (
        UniqueConstraint("service_code", "day", "number", name="uq_ticket_number_per_day"),
        Index("ix_ticket_issued_at", "issued_at"),
        Index("ix_ticket_service_day_status", "service_code", "day", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    service_code: Mapped[str] = mapped_column(String(16))
    day: Mapped[str] = mapped_column(String(10))  # local date YYYY-MM-DD (Asia/Ho_Chi_Minh)
    number: Mapped[int]
    display_number: Mapped[str] = mapped_column(String(12))
    priority_group: Mapped[str | None] = mapped_column(String(32))
    issued_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(16), default="waiting")  # waiting|called|served|no_show
    print_state: Mapped[str] = mapped_column(String(16), default="pending")  # pending|printed|failed
    request_key: Mapped[str | None] = mapped_column(String(64), unique=True)  # double-tap guard
    lease_id: Mapped[int | None] = mapped_column(ForeignKey("number_lease.id"))
