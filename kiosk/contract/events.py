"""Events a device reports to the central system (the body of the outbox).

Every event has a UUID that is, with the sending device, its idempotency key end to end: the
central stores an event once, however many times a device sends it. The payload is one of the
typed models of kiosk.contract.wire, so the kiosk cannot build an event the central's
contract does not know.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from kiosk.contract.wire import Payload


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def iso(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every stored moment is timezone-aware")
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Event:
    payload: Payload
    occurred_at: dt.datetime = field(default_factory=utc_now)
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def type(self) -> str:
        return self.payload.TYPE

    def payload_json(self) -> dict[str, Any]:
        return self.payload.wire()

    def wire(self) -> dict[str, Any]:
        """The event as it travels in a batch (kiosk.contract.wire.WireEvent)."""
        return {"id": self.id, "type": self.type, "occurred_at": iso(self.occurred_at),
                "payload": self.payload_json()}
