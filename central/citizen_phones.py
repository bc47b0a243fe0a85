"""The numbers citizens gave at the kiosk (with consent), one per ticket, for one day at most.

Outside central/notify so that ingestion (central/events.py) keeps them without depending on that
package (its outbox reads the queue, which imports the events)."""
from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from central.db import Base
from central.notify_settings import NotifySettings


class NotifyPhone(Base):
    __tablename__ = "notify_phones"

    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), index=True)  # the centre's local day: purged after it
    phone: Mapped[str] = mapped_column(String(16))


def remember(session: Session, centre_id: int, given: Iterable[tuple[dict[str, Any], str]],
             settings: NotifySettings) -> int:
    """Keeps the numbers of newly issued tickets (payload, number), only when a channel is configured."""
    if not settings.enabled:
        return 0
    n = 0
    for payload, phone in given:
        ticket_id = str(payload["ticket_id"])
        if session.get(NotifyPhone, (centre_id, ticket_id)) is None:
            session.add(NotifyPhone(centre_id=centre_id, ticket_id=ticket_id, day=str(payload["day"]), phone=phone))
            n += 1
    return n
