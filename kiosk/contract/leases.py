"""Number leases on the wire (POST /api/v1/leases): what a lobby kiosk asks and what the central
answers. Both sides use these models, so the bounds are the same on each end (docs/central.md)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kiosk.contract.wire import ValidDay

MAX_LEASE_COUNT = 100  # numbers one request may ask for; more is refused (422)

# Why the central grants nothing (HTTP 409, detail.reason):
#   exhausted    every number below the fallback space is leased
#   quota_day    the service's daily quota is reached centre-wide (leases + synced fallback numbers)
#   quota_window the open window's quota is reached centre-wide
#   window_closed the service has window quotas and none of its windows is open now
#   device_cap   this kiosk already leased its share of the day (kiosk.contract.numbering.device_day_cap)
#   day_off      the day is a public holiday or closed day of the centre (config `calendar`)
LeaseRefusalReason = Literal["exhausted", "quota_day", "quota_window", "window_closed", "device_cap", "day_off"]
QUOTA_REASONS = ("quota_day", "quota_window")


class LeaseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    request_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9-]+$",
                            description="idempotency key: the same request sent again gets the same lease")
    service_code: str = Field(min_length=1, max_length=16)
    day: ValidDay = Field(description="local day of the centre, YYYY-MM-DD")
    count: int = Field(ge=1, le=MAX_LEASE_COUNT)


class LeaseAnswer(BaseModel):
    lease_id: str
    service_code: str
    day: str
    first: int
    last: int = Field(description="inclusive; may grant fewer than asked (space, quota, the device's share)")
    window: str | None = Field(default=None, description=(
        "HH:MM start of the opening window whose quota this lease counts against; null when the service "
        "has no window quota. The kiosk issues from it only while that window is open."))


class LeaseRefusal(BaseModel):
    reason: LeaseRefusalReason
    message: str
