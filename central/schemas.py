"""Request and response bodies of the HTTP contract (see central/openapi.json)."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kiosk.contract.wire import CounterNumber, ErrorBody

_MEANING = {
    400: "the body is not valid JSON: nothing stored",
    401: "missing, unknown or revoked bearer token",
    403: "this token's device may not do this (its role, or a counter not bound to it)",
    404: "no such resource at the caller's centre",
    409: "the state does not allow it now",
    413: "request body over 2 MB, or more than 1000 events",
    422: "invalid request: detail says what and where, errors lists each problem; nothing stored",
}


def error(description: str) -> dict[str, Any]:
    """One error answer with its own description and the central's real error body."""
    return {"model": ErrorBody, "description": description}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI answers for these error statuses, each with the central's real error body."""
    return {code: {"model": ErrorBody, "description": _MEANING[code]} for code in codes}


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
    ticket_key: str | None = Field(default=None, description=(
        "lobby kiosks only: the centre's key for the tokens of the ticket pages (kiosk.contract.ticket_page), "
        "so a kiosk makes the ticket's QR offline too"))
    public_url: str | None = Field(default=None, description=(
        "where citizens' phones reach the central ($KIOSK_CENTRAL_PUBLIC_URL); null: the URL the kiosk enrolled with"))


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


class CounterActionIn(_In):
    officer: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$",
                                description="the officer signed in at the counter (issue 14)")


class TransferIn(CounterActionIn):
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


class _CodeIn(_In):
    centre_code: str | None = Field(default=None, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$",
                                    description="needed only when several centres exist")
    ttl_hours: float = Field(default=24, ge=0.0001, le=24 * 30)  # from 0.36 s (tests) to 30 days


class LobbyCodeIn(_CodeIn):
    role: Literal["lobby", "display"]


class CounterCodeIn(_CodeIn):
    role: Literal["counter", "rating"]
    counters: list[CounterNumber] | None = Field(default=None, max_length=100, description=(
        "the counters the enrolled device may act and report for (central.trust)"))


CodeIn = Annotated[LobbyCodeIn | CounterCodeIn, Field(discriminator="role")]


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
    counters: list[int] = Field(description="counters bound to the device at enrolment or later")


class CountersIn(_In):
    counters: list[CounterNumber] = Field(max_length=100, description="replaces the device's bound counters")


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
