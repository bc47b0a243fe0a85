"""GET /api/v1/calls/stream: the calls of one centre as server-sent events (central.push).

Who may listen: a device (its bearer token: the Kivy hall display), a paired browser display
(its cookie, central.displays) or a ticket page (`ticket=<token>`, central.ticket_pages); each
hears the calls of its own centre only. `since` or the Last-Event-ID header resumes after a
reconnect: every call made meanwhile comes first, oldest first."""
from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any, AsyncIterator

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials
from starlette.concurrency import run_in_threadpool

from central import displays, ticket_pages
from central.auth import bearer, get_db
from central.centres import CentreRow
from central.db import Database, utc_now
from central.devices import verified_device
from central.push import CallHub, call_id, since_of, sse
from central.queue import recent_calls
from central.schemas import errors

router = APIRouter(prefix="/api/v1", responses=errors(401, 422))
KEEPALIVE_S = 15.0   # a comment line through proxies and TV browsers that drop idle connections
RETRY_MS = 2000      # EventSource reconnects after this
SNAPSHOT = 8         # calls sent on a fresh connection (what a display shows at once)


def hub_of(request: Request) -> CallHub:
    return request.app.state.call_hub


def _centre_of(db: Database, creds: HTTPAuthorizationCredentials | None, cookie: str | None,
               ticket: str | None) -> int | None:
    if creds is not None:
        dev = verified_device(db, creds.credentials)
        return dev.centre_id if dev is not None else None
    with db.transaction() as s:
        if ticket:
            ref = ticket_pages.resolve(s, ticket)
            return ref.centre_id if ref is not None else None
        return displays.paired_centre(s, cookie)


def _backlog(db: Database, centre_id: int, since: dt.datetime | None) -> dict[str, Any]:
    with db.transaction() as s:
        centre = s.get(CentreRow, centre_id)
        assert centre is not None
        return recent_calls(s, centre, since, limit=200 if since else SNAPSHOT)


@router.get("/calls/stream", tags=["queue"], summary="Calls at the counters as server-sent events (push)",
            response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}, "description": (
                "`event: hello` (data: server_time, day, the last calls when not resuming), then one "
                "`event: call` per call or recall (id: `<called_at>|<ticket_id>`, data: like GET /calls' "
                "entries); comment lines keep the connection alive")}})
async def calls_stream(request: Request,
                       since: str | None = Query(default=None, max_length=120, description=(
                           "resume after this event id or ISO time (the Last-Event-ID header does the same)")),
                       ticket: str | None = Query(default=None, max_length=64, description="a ticket page's token"),
                       creds: HTTPAuthorizationCredentials | None = Depends(bearer),
                       db: Database = Depends(get_db)) -> StreamingResponse:
    centre_id = await run_in_threadpool(_centre_of, db, creds, request.cookies.get(displays.COOKIE), ticket)
    if centre_id is None:
        raise HTTPException(401, "unknown or revoked device token, display pairing or ticket token",
                            headers={"WWW-Authenticate": "Bearer"})
    resume = request.headers.get("last-event-id") or since
    after = since_of(resume)
    if resume and after is None:
        raise HTTPException(422, "since / Last-Event-ID is not an event id or an ISO time")
    hub = hub_of(request)

    async def events() -> AsyncIterator[bytes]:
        sent: set[str] = set()
        await run_in_threadpool(hub.prime, centre_id)
        listener = hub.subscribe(centre_id)  # before reading the backlog: nothing falls in between
        try:
            first = await run_in_threadpool(_backlog, db, centre_id, after)
            calls = [c for c in first["calls"] if call_id(c) != resume]
            hello = {"server_time": first["server_time"], "day": first["day"], "resumed": after is not None,
                     "calls": [] if after else calls}
            yield f"retry: {RETRY_MS}\n".encode() + sse("hello", hello)
            if after:
                for c in calls:
                    sent.add(call_id(c))
                    yield sse("call", c, call_id(c))
            else:
                sent.update(call_id(c) for c in calls)
            while not listener.overflow:
                try:
                    batch = await asyncio.wait_for(listener.queue.get(), KEEPALIVE_S)
                except asyncio.TimeoutError:
                    yield f": {utc_now().isoformat()}\n\n".encode()
                    continue
                if batch is None:
                    return  # the central is stopping: the client reconnects to the next one
                out = b""
                for key, encoded in batch:
                    if key not in sent:
                        sent.add(key)
                        out += encoded
                if len(sent) > 2000:
                    sent.clear()  # bounded; the hub never sends an old call again
                if out:
                    yield out
        finally:
            hub.unsubscribe(listener)

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
