"""Device-facing routes: enrolment, config, events, leases, queue and counter actions."""
from __future__ import annotations

import datetime as dt
import os
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from central import queue, ticket_pages, trust
from central.auth import Caller, device, get_db, require_role
from central.centres import CentreRow, doc_of
from central.db import Database, utc_now
from central.devices import Device, EnrolError, enrol
from central.events import ingest, judge_batch
from central.leases import LeaseError, allocate
from central.notify_settings import NotifySettings
from central.queue import QueueError
from central.schemas import (
    CallOut,
    CallsOut,
    CounterActionIn,
    EnrolIn,
    EnrolOut,
    QueueOut,
    TicketOut,
    TransferIn,
    error,
    errors,
)
from kiosk.contract.leases import LeaseAnswer, LeaseRefusal, LeaseRequest
from kiosk.contract.queue import QueueSummary
from kiosk.contract.wire import (EARLIEST, LATEST, MAX_EVENTS, BatchAnswer, BatchEnvelope, ErrorBody, Moment, ServiceCode,
                                 ValidDay, in_range)

router = APIRouter(prefix="/api/v1", responses=errors(400, 401, 422))


def _centre_in(session: Session, caller: Caller) -> CentreRow:
    row = session.get(CentreRow, caller.centre_id)
    assert row is not None  # devices.centre_id is a foreign key: an authenticated device has a centre
    return row


def _notify_channel() -> str | None:
    settings = NotifySettings.from_env()
    return settings.channel if settings.enabled else None


def _served_etag(etag: str, stored_channel: str | None, channel: str | None) -> str:
    return etag if stored_channel == channel else f"{etag}-{channel or 'none'}"


def served_document(centre: CentreRow) -> tuple[dict[str, Any], str]:
    """The centre document as devices get it, with its ETag: lobby.phone_channel says whether the
    central has a notification channel (KIOSK_NOTIFY_CHANNEL, docs/notify.md), so the lobby kiosk
    asks for a number only then; the ETag changes with it."""
    channel = _notify_channel()
    lobby = centre.doc.get("lobby") or {}
    etag = _served_etag(centre.etag, lobby.get("phone_channel"), channel)
    if etag == centre.etag:
        return centre.doc, etag
    return {**centre.doc, "lobby": {**lobby, "phone_channel": channel}}, etag


@router.post("/enrol", response_model=EnrolOut, tags=["devices"],
             responses={404: error("unknown code"), 410: error("code expired"),
                        409: error("code already used, or no free lobby kiosk index (no_free_index)")})
def post_enrol(body: EnrolIn, db: Database = Depends(get_db)) -> Any:
    try:
        with db.transaction() as s:
            dev, token, centre = enrol(s, body.code, body.device_name)
            key = ticket_pages.current_key(s, centre.id) if dev.role == "lobby" else None
            return EnrolOut(device_id=dev.id, token=token, role=dev.role, centre_code=centre.code,
                            device_index=dev.device_index, config=served_document(centre)[0], ticket_key=key,
                            public_url=os.environ.get("KIOSK_CENTRAL_PUBLIC_URL") or None)
    except EnrolError as exc:
        raise HTTPException(exc.status, {"reason": exc.reason, "message": str(exc)}) from None


@router.get("/config", tags=["devices"], responses={
    200: {"description": "the centre config document",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CentreDocument"}}}},
    304: {"description": "unchanged since If-None-Match"}})
def get_config(request: Request, caller: Caller = Depends(device), db: Database = Depends(get_db)) -> Response:
    wanted = {t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",") if t.strip()}
    with db.reading() as s:
        # the ETag (and the stored channel it depends on) first: most polls are answered 304
        # without reading the document
        etag, stored = s.execute(select(CentreRow.etag, CentreRow.doc["lobby"]["phone_channel"].as_string())
                                 .where(CentreRow.id == caller.centre_id)).one()
        headers = {"ETag": _served_etag(etag, stored, _notify_channel()), "Cache-Control": "no-cache"}
        if headers["ETag"] in wanted or "*" in wanted:
            return Response(status_code=304, headers=headers)
        centre = s.get(CentreRow, caller.centre_id)
        assert centre is not None  # the caller's centre: device() found it
        doc, served = served_document(centre)
    return JSONResponse(doc, headers={**headers, "ETag": served})


BATCH_BODY = {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Batch"}}}}


@router.post("/events", response_model=BatchAnswer, tags=["events"], openapi_extra={"requestBody": BATCH_BODY},
             responses={**errors(400, 413), 422: {"model": ErrorBody, "description": (
                 "the batch itself is malformed (not an object, no device_id or sent_at, an event without "
                 "a usable id): nothing stored. A malformed *event* is answered in the 200 with its own "
                 "verdict, rejected, reason `invalid`")}},
             summary="Send a batch of events: one verdict per event")
def post_events(batch: BatchEnvelope, request: Request, caller: Caller = Depends(device),
                db: Database = Depends(get_db)) -> Response:
    """Each event is judged on its own (kiosk.contract.wire): accepted, duplicate (same device, id and
    content as before), conflict (same device and id, another content: kept for audit, not applied)
    or rejected with a reason code. No content of a batch makes the central fail."""
    if len(batch.events) > MAX_EVENTS:
        raise HTTPException(413, f"at most {MAX_EVENTS} events per batch, got {len(batch.events)}: split the batch")
    received = utc_now()
    judged = judge_batch(batch, batch.events, caller.device_id, caller.role, received)  # before the transaction

    def work(s: Any) -> BatchAnswer:
        return ingest(s, s.get(Device, caller.device_id), judged)

    result = db.run(work)
    if any(e.get("type") == "ticket.called" for e in batch.events if isinstance(e, dict)):
        request.app.state.call_hub.poke(caller.centre_id)  # a counter's call made offline, pushed now
    # Serialised directly: a 1000-event answer should not be validated a second time.
    return Response(result.model_dump_json(), media_type="application/json")


@router.post("/leases", response_model=LeaseAnswer, tags=["leases"], responses={
    **errors(403),
    404: error("unknown service"),
    409: {"description": "nothing granted; detail.reason says why (kiosk.contract.leases.LeaseRefusalReason)",
          "content": {"application/json": {"schema": {
              "type": "object", "properties": {"detail": LeaseRefusal.model_json_schema()}}}}},
    422: error("malformed request, or a request_id already used for another service or day")})
def post_lease(body: LeaseRequest, caller: Caller = Depends(device), db: Database = Depends(get_db)) -> Any:
    require_role(caller, "lobby")

    def work(s: Any) -> LeaseAnswer:
        lease = allocate(s, s.get(Device, caller.device_id), body)
        return LeaseAnswer(lease_id=lease.id, service_code=lease.service_code, day=lease.day, first=lease.first,
                           last=lease.last, window=lease.window)

    try:
        return db.run(work)
    except LeaseError as exc:
        detail: Any = (LeaseRefusal(reason=exc.reason, message=str(exc)).model_dump() if exc.reason else str(exc))
        raise HTTPException(exc.status, detail) from None


@router.get("/queue", response_model=QueueOut, tags=["queue"], responses=errors(404))
def get_queue(service: ServiceCode = Query(description="service code"),
              day: ValidDay | None = Query(default=None, description="YYYY-MM-DD (default: today at the centre)"),
              caller: Caller = Depends(device), db: Database = Depends(get_db)) -> Any:
    try:
        with db.transaction() as s:
            return queue.queue_view(s, _centre_in(s, caller), service, day)
    except QueueError as exc:
        raise HTTPException(exc.status, str(exc)) from None


@router.get("/calls", response_model=CallsOut, tags=["queue"],
            summary="Calls and recalls at the counters today, for hall displays")
def get_calls(since: Moment | None = Query(default=None, description="only calls after this time (ISO 8601 with a zone)"),
              limit: int = Query(default=20, ge=1, le=200),
              caller: Caller = Depends(device), db: Database = Depends(get_db)) -> Any:
    if since is not None and not in_range(since):  # no call is older than 1970 or newer than 2200
        since = min(max(since, EARLIEST), LATEST)
    with db.transaction() as s:
        return queue.recent_calls(s, _centre_in(s, caller), since, limit)


@router.get("/queue/summary", response_model=QueueSummary, tags=["queue"],
            summary="Every service's queue: waiting counts, cycle position, counters serving, waiting estimate")
def get_summary(day: str | None = Query(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$",
                                        description="the centre's local day (default: today)"),
                caller: Caller = Depends(device), db: Database = Depends(get_db)) -> Any:
    with db.transaction() as s:
        return queue.summary(s, _centre_in(s, caller), day)


COUNTER_ERRORS = errors(403, 404, 409, 422)


def _counter_call(request: Request, db: Database, caller: Caller, number: int, fn: Any, calls: bool = False) -> Any:
    """calls: the action may call a ticket (call-next, recall), so the hall displays are told."""
    require_role(caller, "counter")

    def work(s: Any) -> Any:
        dev = s.get(Device, caller.device_id)
        doc = queue.lock_centre(s, caller.centre_id)  # taken now rather than by the action: read once
        if number in {c.number for c in doc.config.counters} and number not in trust.counters_of(dev, doc):
            raise QueueError(403, f"counter {number} is not bound to this device (centre config counters[].device, "
                                  "or the enrolment code's counters)")
        return fn(s, dev)
    try:
        answer = db.run(work)
    except QueueError as exc:
        raise HTTPException(exc.status, str(exc)) from None
    if calls:  # committed: the hall displays hear it now (a complete, skip or transfer calls nobody)
        request.app.state.call_hub.poke(caller.centre_id)
    return answer


CounterPath = Annotated[int, Path(ge=1, le=999, description="the counter's number")]


@router.post("/counters/{number}/call-next", response_model=CallOut, tags=["counters"], responses=COUNTER_ERRORS,
             summary="Call the next ticket to the counter (409: the counter is still serving one)")
def call_next(number: CounterPath, request: Request, body: CounterActionIn | None = None,
              caller: Caller = Depends(device), db: Database = Depends(get_db)) -> Any:
    officer = body.officer if body else None

    def work(s: Any, dev: Device) -> dict[str, Any]:
        t = queue.call_next(s, dev, number, officer=officer)
        return {"ticket": queue.ticket_json(t) if t else None}
    return _counter_call(request, db, caller, number, work, calls=True)


@router.get("/counters/{number}/rating-request", response_model=CallOut, tags=["counters"],
            responses=errors(403), summary="The ticket just served at the counter and not rated yet (rating terminals)")
def get_rating_request(number: CounterPath, within_s: float = Query(default=60, ge=5, le=900,
                                                                      description="served at most this long ago"),
                       caller: Caller = Depends(device), db: Database = Depends(get_db)) -> Any:
    require_role(caller, "rating", "counter")

    def work(s: Any) -> dict[str, Any]:
        dev = s.get(Device, caller.device_id)
        doc = doc_of(_centre_in(s, caller))
        if number not in trust.counters_of(dev, doc):
            raise HTTPException(403, f"counter {number} is not bound to this device")
        t = queue.rating_request(s, dev.centre_id, number, dt.timedelta(seconds=within_s))
        return {"ticket": queue.ticket_json(t) if t else None}
    return db.run(work)


def _action(name: str, path: str, summary: str) -> None:
    def endpoint(number: CounterPath, request: Request, body: CounterActionIn | None = None,
                 caller: Caller = Depends(device), db: Database = Depends(get_db)) -> Any:
        officer = body.officer if body else None
        return _counter_call(request, db, caller, number, lambda s, dev: queue.ticket_json(
            queue.act(s, dev, number, name, officer=officer)), calls=name == "recall")
    router.add_api_route(f"/counters/{{number}}/{path}", endpoint, methods=["POST"], response_model=TicketOut,
                         tags=["counters"], summary=summary + " (409: the counter serves no ticket)",
                         name=f"counter_{name}", responses=COUNTER_ERRORS)


_action("recall", "recall", "Call the counter's current ticket again")
_action("no_show", "no-show", "Skip the current ticket: the citizen did not come")
_action("complete", "complete", "The current ticket is served")


@router.post("/counters/{number}/transfer", response_model=TicketOut, tags=["counters"], responses=COUNTER_ERRORS,
             summary="Send the current ticket to another service's queue")
def transfer(number: CounterPath, body: TransferIn, request: Request, caller: Caller = Depends(device),
             db: Database = Depends(get_db)) -> Any:
    return _counter_call(request, db, caller, number, lambda s, dev: queue.ticket_json(
        queue.act(s, dev, number, "transfer", body.to_service_code, officer=body.officer)))
