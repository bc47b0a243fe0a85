"""Number leases when a central exists.

Online, a background top-up keeps a few leased numbers ahead for each service (so issuing
never waits on the network). When the leases run out offline, the kiosk uses its own fallback
block at the top of the number space, which the central never leases
(kiosk.contract.numbering, docs/central.md).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.contract.config import Config, Service
from kiosk.contract.numbering import fallback_block
from kiosk.storage.leases import NumberLease


class FallbackLeases:
    """LeaseSource for a kiosk connected to a central: only ever creates the fallback block."""

    def __init__(self, config: Config) -> None:
        self.config = config

    def new_lease(self, session: Session, service: Service, day: str, now: dt.datetime) -> NumberLease | None:
        block = fallback_block(self.config.numbering, service.max_number, self.config.central.device_index)
        if block is None:
            return None  # not enrolled: no block of its own, so no numbers that cannot collide
        used = session.scalar(select(func.count()).select_from(NumberLease).where(
            NumberLease.service_code == service.code, NumberLease.day == day, NumberLease.source == "fallback"))
        if used:
            return None
        first, last = block
        return NumberLease(service_code=service.code, day=day, first=first, last=last, next_number=first,
                           source="fallback", created_at=now)


def remaining_central(session: Session, service_code: str, day: str) -> int:
    return session.scalar(select(func.coalesce(func.sum(NumberLease.last - NumberLease.next_number + 1), 0)).where(
        NumberLease.service_code == service_code, NumberLease.day == day, NumberLease.source == "central",
        NumberLease.next_number <= NumberLease.last)) or 0
