"""Device-facing routes: enrolment, config, events, leases, queue and counter actions."""
from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from central import queue
from central.auth import Caller, device, get_db, require_role
from central.centres import CentreRow
from central.db import Database, utc_now
from central.devices import Device, EnrolError, enrol
from central.events import MAX_EVENTS, BatchIn, BatchResult, ingest
from central.leases import LeaseError, allocate
from central.queue import QueueError
from central.schemas import CallOut, CallsOut, EnrolIn, EnrolOut, QueueOut, TicketOut, TransferIn
from kiosk.contract.leases import LeaseAnswer, LeaseRefusal, LeaseRequest
from kiosk.contract.queue import QueueSummary

router = APIRouter(prefix="/api/v1")


def _centre_in(session: Session, caller: Caller) -> CentreRow:
    row = session.get(CentreRow, caller.centre_id)
    assert row is not None  # devices.centre_id is a foreign key: an authenticated device has a centre
    return row


def _centre(db: Database, caller: Caller) -> CentreRow:
    with db.transaction() as s:
        return _centre_in(s, caller)


@router.post("/enrol", response_model=EnrolOut, tags=["devices"],
             responses={404: {"description": "unknown code"},
                        409: {"description": "code already used, or no free lobby kiosk index (no_free_index)"},
                        410: {"description": "code expired"}})
def post_enrol(body: EnrolIn, db: Database = Depends(get_db)) -> Any:
    try:
        with db.transaction() as s:
            dev, token, centre = enrol(s, body.code, body.device_name)
            return EnrolOut(device_id=dev.id, token=token, role=dev.role, centre_code=centre.code,
                            device_index=dev.device_index, config=centre.doc)
    except EnrolError as exc:
        raise HTTPException(exc.status, {"reason": exc.reason, "message": str(exc)}) from None


@router.get("/config", tags=["devices"], responses={
    200: {"description": "the centre config document", "content": {"application/json": {"schema": {"type": "object"}}}},
    304: {"description": "unchanged since If-None-Match"}})
def get_config(request: Request, caller: Caller = Depends(device), db: Database = Depends(get_db)) -> Response:
    centre = _centre(db, caller)
    wanted = {t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",") if t.strip()}
    headers = {"ETag": centre.etag, "Cache-Control": "no-cache"}
    if centre.etag in wanted or "*" in wanted:
        return Response(status_code=304, headers=headers)
    return JSONResponse(centre.doc, headers=headers)


@router.post("/events", response_model=BatchResult, tags=["events"], responses={
    413: {"description": f"body over 2 MB or more than {MAX_EVENTS} events"},
    422: {"description": "malformed batch: nothing stored"}})
def post_events(batch: BatchIn, caller: Caller = Depends(device), db: Database = Depends(get_db)) -> Response:
    if len(batch.events) > MAX_EVENTS:
        raise HTTPException(413, f"at most {MAX_EVENTS} events per batch, got {len(batch.events)}: split the batch")
    received = utc_now()

    def work(s: Any) -> BatchResult:
        dev = s.get(Device, caller.device_id)
        return ingest(s, dev, batch, received)

    result = db.run(work)
    # Serialised directly: a 1000-event answer should not be validated a second time.
    return Response(result.model_dump_json(), media_type="application/json")


@router.post("/leases", response_model=LeaseAnswer, tags=["leases"], responses={
    404: {"description": "unknown service"},
    409: {"description": "nothing granted; detail.reason says why (kiosk.contract.leases.LeaseRefusalReason)",
          "content": {"application/json": {"schema": {
              "type": "object", "properties": {"detail": LeaseRefusal.model_json_schema()}}}}},
    422: {"description": "malformed request, or a request_id already used for another service or day"}})
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


@router.get("/queue", response_model=QueueOut, tags=["queue"])
def get_queue(service: str = Query(description="service code"), day: str | None = Query(default=None),
              caller: Caller = Depends(device), db: Database = Depends(get_db)) -> Any:
    try:
        with db.transaction() as s:
            return queue.queue_view(s, _centre_in(s, caller), service, day)
    except QueueError as exc:
        raise HTTPException(exc.status, str(exc)) from None


@router.get("/calls", response_model=CallsOut, tags=["queue"],
            summary="Calls and recalls at the counters today, for hall displays")
def get_calls(since: dt.datetime | None = Query(default=None, description="only calls after this time (ISO 8601)"),
              limit: int = Query(default=20, ge=1, le=200),
              caller: Caller = Depends(device), db: Database = Depends(get_db)) -> Any:
    if since is not None and since.tzinfo is None:
        raise HTTPException(422, "since must carry a time zone, e.g. 2026-11-23T02:00:00+00:00")
    with db.transaction() as s:
        return queue.recent_calls(s, _centre_in(s, caller), since, limit)


@router.get("/queue/summary", response_model=QueueSummary, tags=["queue"],
            summary="Every service's queue: waiting counts, cycle position, counters serving, waiting estimate")
def get_summary(day: str | None = Query(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$",
                                        description="the centre's local day (default: today)"),
                caller: Caller = Depends(device), db: Database = Depends(get_db)) -> Any:
    with db.transaction() as s:
        return queue.summary(s, _centre_in(s, caller), day)


def _counter_call(db: Database, caller: Caller, fn: Any) -> Any:
    require_role(caller, "counter")
    try:
        return db.run(lambda s: fn(s, s.get(Device, caller.device_id)))
    except QueueError as exc:
        raise HTTPException(exc.status, str(exc)) from None


@router.post("/counters/{number}/call-next", response_model=CallOut, tags=["counters"],
             responses={409: {"description": "the counter is still serving a ticket"}})
def call_next(number: int, caller: Caller = Depends(device), db: Database = Depends(get_db)) -> Any:
    def work(s: Any, dev: Device) -> dict[str, Any]:
        t = queue.call_next(s, dev, number)
        return {"ticket": queue.ticket_json(t) if t else None}
    return _counter_call(db, caller, work)


def _action(name: str, path: str, summary: str) -> None:
    def endpoint(number: int, caller: Caller = Depends(device), db: Database = Depends(get_db)) -> Any:
        return _counter_call(db, caller, lambda s, dev: queue.ticket_json(queue.act(s, dev, number, name)))
    router.add_api_route(f"/counters/{{number}}/{path}", endpoint, methods=["POST"], response_model=TicketOut,
                         tags=["counters"], summary=summary, name=f"counter_{name}",
                         responses={409: {"description": "the counter is not serving any ticket"}})


_action("recall", "recall", "Call the counter's current ticket again")
_action("no_show", "no-show", "Skip the current ticket: the citizen did not come")
_action("complete", "complete", "The current ticket is served")


@router.post("/counters/{number}/transfer", response_model=TicketOut, tags=["counters"],
             summary="Send the current ticket to another service's queue")
def transfer(number: int, body: TransferIn, caller: Caller = Depends(device), db: Database = Depends(get_db)) -> Any:
    return _counter_call(db, caller, lambda s, dev: queue.ticket_json(
        queue.act(s, dev, number, "transfer", body.to_service_code)))
