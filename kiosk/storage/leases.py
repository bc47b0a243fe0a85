from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.storage.base import Base


class NumberLease(Base):
    """A block of ticket numbers this kiosk may issue for one service on one day.

    source: "local" (standalone kiosk, the whole number space), "central" (leased from the
    central system), "fallback" (this kiosk's reserved block, used offline when leases run out).
    """
    __tablename__ = "number_lease"
    __table_args__ = (Index("ix_lease_service_day", "service_code", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    service_code: Mapped[str] = mapped_column(String(16))
    day: Mapped[str] = mapped_column(String(10))
    first: Mapped[int]
    last: Mapped[int]
    next_number: Mapped[int]
    source: Mapped[str] = mapped_column(String(16))
    central_lease_id: Mapped[str | None] = mapped_column(String(64))
    # HH:MM start of the session whose quota a central lease counts against: used only in it.
    window: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[dt.datetime]

    @property
    def remaining(self) -> int:
        return max(0, self.last - self.next_number + 1)
