"""The wire contract between devices and the central: a typed model per event type, the batch
envelope, the per-event verdicts and the heartbeat.

The kiosk builds every event with these models (kiosk.contract.events.Event); the central
validates every received event with the same ones, and its OpenAPI document publishes them.
Bounds match the central's database columns (string lengths, 32-bit integer columns), so a
value the model accepts is one the database can store: strings carry no control characters
(PostgreSQL refuses NUL), numbers are finite, moments carry a zone and lie between 1970 and 2200.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, ClassVar, Literal, Union

from kiosk.contract.phone import VnMobile
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    StrictBool,
    StrictInt,
    StringConstraints,
    TypeAdapter,
)

# Printable text: no C0 control characters (NUL breaks PostgreSQL text), no DEL.
_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
_PRINTABLE_1 = r"^[^\x00-\x1f\x7f]+$"

Text16 = Annotated[str, StringConstraints(max_length=16, pattern=_PRINTABLE)]
Text32 = Annotated[str, StringConstraints(max_length=32, pattern=_PRINTABLE)]
Text64 = Annotated[str, StringConstraints(max_length=64, pattern=_PRINTABLE)]
Text100 = Annotated[str, StringConstraints(max_length=100, pattern=_PRINTABLE)]
Text128 = Annotated[str, StringConstraints(max_length=128, pattern=_PRINTABLE)]
Text200 = Annotated[str, StringConstraints(max_length=200, pattern=_PRINTABLE)]
Text500 = Annotated[str, StringConstraints(max_length=500, pattern=_PRINTABLE)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=_PRINTABLE_1)]
DeviceId = Annotated[str, StringConstraints(min_length=1, max_length=36, pattern=_PRINTABLE_1)]
ServiceCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,16}$")]
GroupCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,32}$")]
Day = Annotated[str, StringConstraints(pattern=r"^(19[7-9]\d|2[01]\d\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")]


def _integral(value: Any) -> Any:
    """JSON Schema counts 3.0 as an integer; so do we (but never "3" or true)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


CounterNumber = Annotated[Annotated[StrictInt, Field(ge=1, le=999)], BeforeValidator(_integral)]  # config Counter.number
TicketNumber = Annotated[Annotated[StrictInt, Field(ge=1, le=99_999)], BeforeValidator(_integral)]  # at most 5 digits
Count = Annotated[Annotated[StrictInt, Field(ge=0, le=1_000_000_000)], BeforeValidator(_integral)]  # a 32-bit column
KeyCode = Annotated[Annotated[StrictInt, Field(ge=0, le=65_535)], BeforeValidator(_integral)]
Bytes = Annotated[Annotated[StrictInt, Field(ge=0, le=2**53)], BeforeValidator(_integral)]

EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.timezone.utc)


def in_range(moment: dt.datetime) -> bool:
    """Between 1970 and 2200: what a working clock says, and what the stores can hold."""
    return EARLIEST <= moment < LATEST


def _bounded(moment: dt.datetime) -> dt.datetime:
    if not in_range(moment):
        raise ValueError("a moment between 1970 and 2200 is expected")
    return moment


def _iso_text(value: Any) -> Any:
    """ISO 8601 text (or a datetime built in Python), never a bare number read as a Unix time."""
    if isinstance(value, (str, dt.datetime)) and (not isinstance(value, str) or "-" in value):
        return value
    raise ValueError("an ISO 8601 moment with a zone is expected, e.g. 2026-11-23T09:00:00+07:00")


Moment = Annotated[AwareDatetime, BeforeValidator(_iso_text)]
"""A timezone-aware moment. A device's moments are judged by the clock rules of the central
(docs/central.md, "Clocks"): outside them the event is rejected, never the batch."""
StoredMoment = Annotated[AwareDatetime, BeforeValidator(_iso_text), AfterValidator(_bounded)]
"""A timezone-aware moment between 1970 and 2200 (for documents stored as given)."""


def _valid_day(day: str) -> str:
    if not EARLIEST.year <= dt.date.fromisoformat(day).year < LATEST.year:  # 2026-02-31 raises ValueError
        raise ValueError("a day between 1970 and 2199 is expected")
    return day


ValidDay = Annotated[Day, AfterValidator(_valid_day), Field(json_schema_extra={"format": "date"})]

MAX_DETAIL_BYTES = 4096
_CONTROL = dict.fromkeys([*range(0x20), 0x7f], " ")


def printable(text: str, limit: int) -> str:
    """Free text (an exception message, a printer's answer) made fit for a Text field."""
    return text.translate(_CONTROL)[:limit]



def _small_json(value: dict[str, JsonValue]) -> dict[str, JsonValue]:
    text = json.dumps(value, ensure_ascii=False)
    if len(text.encode()) > MAX_DETAIL_BYTES:
        raise ValueError(f"detail over {MAX_DETAIL_BYTES} bytes")
    if "\\u0000" in json.dumps(value):
        raise ValueError("detail holds a NUL character")
    return value


class Payload(BaseModel):
    """Base of every event payload; TYPE is the event type it travels as."""
    model_config = ConfigDict(extra="forbid", frozen=True)
    TYPE: ClassVar[str]

    def wire(self) -> dict[str, Any]:
        """As JSON on the wire and in the stores: every key, optional ones too (null when unset)."""
        return self.model_dump(mode="json")


# -- lobby ------------------------------------------------------------------------------------
LeaseKind = Literal["central", "fallback", "local"]


class TicketIssued(Payload):
    TYPE: ClassVar[str] = "ticket.issued"
    ticket_id: Id
    service_code: ServiceCode
    day: ValidDay = Field(description="the centre's local day, YYYY-MM-DD")
    number: TicketNumber
    display_number: Annotated[str, StringConstraints(min_length=1, max_length=16, pattern=_PRINTABLE_1)]
    priority_group: GroupCode | None
    issued_at: Moment
    lease_source: LeaseKind | None = None
    central_lease_id: Text64 | None = None
    device_id: Text64 | None = None
    # Only with the citizen's consent, only when the centre has a notification channel: the
    # central keeps it apart from the event (never in the event log) and deletes it at day end.
    phone: VnMobile | None = Field(default=None, description=(
        "the citizen's mobile number for the 'about to be called' and rating messages (consented)"))

    def wire(self) -> dict[str, Any]:
        # Without a number the payload is the one sent before the field existed (same content hash).
        out = super().wire()
        if out.get("phone") is None:
            out.pop("phone", None)
        return out


class TicketPrinted(Payload):
    TYPE: ClassVar[str] = "ticket.printed"
    ticket_id: Id
    ok: StrictBool
    status: Literal["ok", "paper_low", "paper_out", "offline", "unknown"]
    message: Text200 = ""


# -- counter ----------------------------------------------------------------------------------
class TicketCalled(Payload):
    TYPE: ClassVar[str] = "ticket.called"
    ticket_id: Id
    counter: CounterNumber
    officer: Text64 | None
    # Set on a number typed at the counter while offline (the ticket may be unknown here yet).
    display_number: Text16 | None = None
    day: ValidDay | None = None
    service_code: ServiceCode | None = None
    typed: StrictBool = False


class TicketServed(Payload):
    TYPE: ClassVar[str] = "ticket.served"
    ticket_id: Id
    counter: CounterNumber
    officer: Text64 | None
    started_at: Moment | None
    completed_at: Moment


class TicketNoShow(Payload):
    TYPE: ClassVar[str] = "ticket.no_show"
    ticket_id: Id
    counter: CounterNumber
    officer: Text64 | None = None


class TicketTransferred(Payload):
    TYPE: ClassVar[str] = "ticket.transferred"
    ticket_id: Id
    counter: CounterNumber
    to_service_code: ServiceCode


RatingLevel = Literal["very_satisfied", "satisfied", "unsatisfied"]


class RatingRecorded(Payload):
    TYPE: ClassVar[str] = "rating.recorded"
    rating_id: Id
    ticket_id: Id | None
    counter: CounterNumber
    officer: Text64 | None
    level: RatingLevel
    reason: Text500 | None = None
    raw_key: KeyCode | None = None
    device: Text128 | None = None
    dossier_code: Text64 | None = None
    service_code: ServiceCode | None = None


class RatingRejectedPress(Payload):
    TYPE: ClassVar[str] = "rating.rejected_press"
    counter: CounterNumber
    reason: Literal["no_request", "debounce", "already_rated", "unknown_key"]
    raw_key: KeyCode | None = None
    device: Text128 | None = None


class TicketDossierLinked(Payload):
    """The officer scanned (or typed) a dossier's receipt while serving this ticket; once per dossier."""
    TYPE: ClassVar[str] = "ticket.dossier_linked"
    ticket_id: Id
    counter: CounterNumber
    officer: Text64 | None
    dossier_code: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=_PRINTABLE_1)]


class RatingReason(Payload):
    """The reason for an "unsatisfied" rating, sent after the rating itself (each is durable alone).
    answered=False: the citizen was asked and gave none in time, or chose not to answer."""
    TYPE: ClassVar[str] = "rating.reason"
    rating_id: Id
    counter: CounterNumber
    answered: StrictBool
    reason: Text500 | None = None
    reason_code: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,32}$")] | None = None


OfficerAction = Literal["sign_in", "sign_out", "break", "resume"]


class OfficerSession(Payload):
    """An officer signs in or out at a counter, or takes or ends a break (calling is paused)."""
    TYPE: ClassVar[str] = "officer.session"
    counter: CounterNumber
    officer: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=_PRINTABLE_1)]
    action: OfficerAction
    method: Literal["pin", "card", "auto"] = "pin"


# -- every role -------------------------------------------------------------------------------
class HelpRequested(Payload):
    """A citizen pressed "Cần hỗ trợ": the central raises an alert for the staff."""
    TYPE: ClassVar[str] = "help.requested"
    screen: Text64 = ""
    counter: CounterNumber | None = None


HealthStateName = Literal["ok", "degraded", "failed", "unknown"]


class DeviceHealth(Payload):
    TYPE: ClassVar[str] = "device.health"
    device: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=_PRINTABLE_1)] = Field(
        description="the component: printer, central, outbox, speech, ...")
    state: HealthStateName
    detail: Text500 = ""


class HealthEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    state: HealthStateName
    detail: Text500 = ""


class DeviceHeartbeat(Payload):
    """The device's latest state; the central keeps one row per device plus a bounded history."""
    TYPE: ClassVar[str] = "device.heartbeat"
    version: Text64
    uptime_s: Annotated[float, Field(ge=0, le=1e10, allow_inf_nan=False)]
    disk_free_bytes: Bytes | None = None
    outbox_backlog: Count | None = None
    dead_letters: Count | None = None
    health: Annotated[dict[Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=_PRINTABLE_1)],
                           HealthEntry], Field(max_length=50)] = Field(
        default_factory=dict, description="component -> latest state and detail, e.g. printer: degraded, paper low")
    role: Literal["lobby", "counter", "display", "rating"] | None = None


class Audit(Payload):
    TYPE: ClassVar[str] = "audit"
    action: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=_PRINTABLE_1)]
    actor: Text64 | None = None
    counter: CounterNumber | None = None
    detail: Annotated[dict[str, JsonValue], AfterValidator(_small_json)] = Field(
        default_factory=dict, description=f"free-form, at most {MAX_DETAIL_BYTES} bytes of JSON")


PAYLOADS: tuple[type[Payload], ...] = (TicketIssued, TicketPrinted, TicketCalled, TicketServed, TicketNoShow,
                                       TicketTransferred, RatingRecorded, RatingRejectedPress, TicketDossierLinked,
                                       RatingReason, OfficerSession, HelpRequested, DeviceHealth,
                                       DeviceHeartbeat, Audit)
PAYLOAD_OF: dict[str, type[Payload]] = {p.TYPE: p for p in PAYLOADS}
EVENT_TYPES: tuple[str, ...] = tuple(PAYLOAD_OF)

# Which role may say what (the central refuses the rest).
ROLE_EVENTS: dict[str, frozenset[str]] = {
    "lobby": frozenset({"ticket.issued", "ticket.printed", "help.requested", "device.health", "device.heartbeat",
                        "audit"}),
    "counter": frozenset({"ticket.called", "ticket.served", "ticket.no_show", "ticket.transferred",
                          "rating.recorded", "rating.rejected_press", "ticket.dossier_linked", "rating.reason",
                          "officer.session", "help.requested", "device.health", "device.heartbeat", "audit"}),
    "display": frozenset({"device.health", "device.heartbeat", "audit"}),
    # The citizen's private rating terminal, bound to a counter like a counter device (issue 15).
    "rating": frozenset({"rating.recorded", "rating.rejected_press", "rating.reason", "help.requested",
                         "device.health", "device.heartbeat", "audit"}),
}


# -- envelopes --------------------------------------------------------------------------------
class _Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Id = Field(description="UUID made by the device: with the device, the idempotency key")
    occurred_at: Moment = Field(description="on the device's clock (see docs/central.md, Clocks)")


class TicketIssuedEvent(_Envelope):
    type: Literal["ticket.issued"]
    payload: TicketIssued


class TicketPrintedEvent(_Envelope):
    type: Literal["ticket.printed"]
    payload: TicketPrinted


class TicketCalledEvent(_Envelope):
    type: Literal["ticket.called"]
    payload: TicketCalled


class TicketServedEvent(_Envelope):
    type: Literal["ticket.served"]
    payload: TicketServed


class TicketNoShowEvent(_Envelope):
    type: Literal["ticket.no_show"]
    payload: TicketNoShow


class TicketTransferredEvent(_Envelope):
    type: Literal["ticket.transferred"]
    payload: TicketTransferred


class RatingRecordedEvent(_Envelope):
    type: Literal["rating.recorded"]
    payload: RatingRecorded


class RatingRejectedPressEvent(_Envelope):
    type: Literal["rating.rejected_press"]
    payload: RatingRejectedPress


class TicketDossierLinkedEvent(_Envelope):
    type: Literal["ticket.dossier_linked"]
    payload: TicketDossierLinked


class RatingReasonEvent(_Envelope):
    type: Literal["rating.reason"]
    payload: RatingReason


class OfficerSessionEvent(_Envelope):
    type: Literal["officer.session"]
    payload: OfficerSession


class HelpRequestedEvent(_Envelope):
    type: Literal["help.requested"]
    payload: HelpRequested


class DeviceHealthEvent(_Envelope):
    type: Literal["device.health"]
    payload: DeviceHealth


class DeviceHeartbeatEvent(_Envelope):
    type: Literal["device.heartbeat"]
    payload: DeviceHeartbeat


class AuditEvent(_Envelope):
    type: Literal["audit"]
    payload: Audit


WireEvent = Annotated[Union[TicketIssuedEvent, TicketPrintedEvent, TicketCalledEvent, TicketServedEvent,
                            TicketNoShowEvent, TicketTransferredEvent, RatingRecordedEvent,
                            RatingRejectedPressEvent, TicketDossierLinkedEvent, RatingReasonEvent,
                            OfficerSessionEvent, HelpRequestedEvent, DeviceHealthEvent, DeviceHeartbeatEvent,
                            AuditEvent],
                      Field(discriminator="type")]
WIRE_EVENT: TypeAdapter[Any] = TypeAdapter(WireEvent)

MAX_EVENTS = 1000
MAX_BODY_BYTES = 2 * 1024 * 1024


class Batch(BaseModel):
    """POST /api/v1/events. Each event is checked on its own: one bad event is refused alone."""
    model_config = ConfigDict(extra="forbid")
    device_id: DeviceId
    sent_at: Moment = Field(description="the device's clock when it sent the batch: measures its skew")
    events: list[WireEvent] = Field(description=f"at most {MAX_EVENTS} (else 413)")


_EVENT_ID: TypeAdapter[str] = TypeAdapter(Id)


def _addressable(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each event must carry an id the central can answer by; the rest is judged per event."""
    for i, ev in enumerate(events):
        try:
            _EVENT_ID.validate_python(ev.get("id"))
        except ValueError as exc:
            raise ValueError(f"events[{i}].id: {exc.errors()[0]['msg'] if hasattr(exc, 'errors') else exc}") from None
    return events


class BatchEnvelope(BaseModel):
    """The part of a batch that must be right for any event in it to be judged (else 422): an
    object with device_id, sent_at and events, each event an object with a usable id."""
    model_config = ConfigDict(extra="forbid")
    device_id: DeviceId
    sent_at: Moment
    events: Annotated[list[dict[str, Any]], AfterValidator(_addressable)]


Status = Literal["accepted", "duplicate", "conflict", "rejected"]
Reason = Literal[
    "invalid",            # the event does not match its type's model (message: where)
    "unknown_type",       # no such event type
    "wrong_device",       # batch.device_id is not the token's device
    "role",               # this role may not send this event type
    "unknown_service",    # no such service in the centre's config
    "not_your_ticket",    # the ticket was issued by another device
    "already_issued",     # another ticket.issued for a ticket already issued
    "number_not_leased",  # the number is outside the device's leases and its own fallback block
    "day_mismatch",       # the ticket's day is not the local day of its issue time
    "counter_not_yours",  # the counter is not bound to this device
    "not_served_here",    # a rating from a counter that did not serve the ticket
    "already_rated",      # the ticket already has a rating
    "clock",              # a moment outside the accepted window (docs/central.md, Clocks)
    "same_event",         # duplicate: stored before (or repeated in this batch)
    "different_payload",  # conflict: this id was stored before with another content
    "other_agency",       # the dossier code names another agency than the centre's (centre.code)
    "dossier_already_rated",  # one rating per dossier: another rating of this dossier was stored first
    "unknown_rating",     # a rating.reason for a rating the central does not hold
    "reason_already_given",  # a second rating.reason for the same rating (the first one stays)
    "not_signed_in",      # the centre requires sign-in and the counter event names no officer
    "unknown_officer",    # the officer is not in the centre's configuration
]


class Verdict(BaseModel):
    id: str
    status: Status
    reason: Reason | None = Field(default=None, description="a code; set unless accepted")
    message: str | None = Field(default=None, description="for people: what is wrong and where")


class BatchAnswer(BaseModel):
    server_time: str
    skew_ms: int = Field(description="server receive time - sent_at; added to every occurred_at")
    clock_ok: bool = Field(description="false: the device's clock is off by more than the limit (see Clocks)")
    results: list[Verdict] = Field(description="one per event, in the order sent")


class ErrorBody(BaseModel):
    """Every 4xx the central answers (400, 401, 403, 404, 409, 413, 422)."""
    detail: str | dict[str, str] = Field(description="what is wrong; enrolment answers {reason, message}")
    errors: list[dict[str, Any]] | None = Field(default=None, description="400/422: where and what")
