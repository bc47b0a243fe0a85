"""Request and response bodies of the HTTP contract (see central/openapi.json)."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EnrolIn(_In):
    code: str = Field(min_length=4, max_length=64, description="one-time enrolment code, e.g. ABCD-EFGH-JKMN")
    device_name: str | None = Field(default=None, max_length=100)


class EnrolOut(BaseModel):
    device_id: str
    token: str = Field(description="bearer token for every later call; shown only here")
    role: str
    centre_code: str
    device_index: int | None = Field(description="lobby kiosks only: 1..numbering.max_devices, unique among the "
                                                 "centre's active lobby kiosks; selects the offline fallback block")
    config: dict[str, Any] = Field(description="the centre config document (as GET /api/v1/config)")


class TicketOut(BaseModel):
    ticket_id: str
    display_number: str | None
    number: int | None
    day: str | None
    service_code: str | None
    priority_group: str | None
    status: str | None = Field(description="waiting | called | served | no_show")
    counter: int | None
    officer: str | None
    issued_at: str | None
    queued_at: str | None
    called_at: str | None
    served_at: str | None


class CallOut(BaseModel):
    ticket: TicketOut | None = Field(description="null when nobody waits for the counter's services")


class TransferIn(_In):
    to_service_code: str = Field(min_length=1, max_length=16)


class CallEntry(BaseModel):
    ticket_id: str
    display_number: str | None
    service_code: str | None
    counter: int
    called_at: str
    recall: bool = Field(description="called more than once (Gọi lại)")
    status: str | None


class CallsOut(BaseModel):
    day: str
    server_time: str = Field(description="pass it back as `since` next time")
    calls: list[CallEntry] = Field(description="oldest first")


class QueueOut(BaseModel):
    service_code: str
    day: str
    waiting_count: int
    priority_waiting: int
    normal_waiting: int
    waiting: list[TicketOut] = Field(description="in call order")


class CodeIn(_In):
    role: Literal["lobby", "counter", "display"]
    centre_code: str | None = Field(default=None, description="needed only when several centres exist")
    ttl_hours: float = Field(default=24, gt=0, le=24 * 30)


class CodeOut(BaseModel):
    code: str
    role: str
    centre_code: str
    expires_at: str
    qr_payload: str = Field(description='compact JSON {"v":1,"central":URL,"code":CODE} for the device to scan')


class CentreOut(BaseModel):
    code: str
    name: str
    etag: str
    updated_at: str


class DeviceOut(BaseModel):
    device_id: str
    name: str
    centre_code: str
    role: str
    device_index: int | None
    enrolled_at: str
    revoked_at: str | None
    last_batch_at: str | None
    last_skew_ms: int | None


class LeaseRowOut(BaseModel):
    lease_id: str
    centre_code: str
    device_id: str
    service_code: str
    day: str
    first: int
    last: int
    window: str | None = Field(default=None, description="HH:MM start of the session whose quota it counts against")
    used: int = Field(description="ticket.issued events seen with a number from this lease")
    created_at: str
