"""Events a device reports to the central system (the body of the outbox).

Every event has a UUID that is its idempotency key end to end: the central stores an event
once, however many times a device sends it.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

# type -> payload keys that must be present (the central validates the same list)
EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "ticket.issued": ("ticket_id", "service_code", "day", "number", "display_number", "priority_group", "issued_at"),
    "ticket.printed": ("ticket_id", "ok", "status"),
    "ticket.called": ("ticket_id", "counter", "officer"),
    "ticket.served": ("ticket_id", "counter", "officer", "started_at", "completed_at"),
    "ticket.no_show": ("ticket_id", "counter"),
    "ticket.transferred": ("ticket_id", "counter", "to_service_code"),
    "rating.recorded": ("rating_id", "ticket_id", "counter", "officer", "level"),
    "rating.rejected_press": ("counter", "reason"),
    "device.health": ("device", "state", "detail"),
    "device.heartbeat": ("version", "uptime_s"),
    "audit": ("action",),
}


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def iso(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every stored moment is timezone-aware")
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Event:
    type: str
    payload: dict[str, Any]
    occurred_at: dt.datetime = field(default_factory=utc_now)
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def __post_init__(self) -> None:
        required = EVENT_TYPES.get(self.type)
        if required is None:
            raise ValueError(f"unknown event type {self.type!r}")
        missing = [k for k in required if k not in self.payload]
        if missing:
            raise ValueError(f"{self.type} event lacks {', '.join(missing)}")
