"""The citizen's ticket page for phones (`/t/<token>`, the ticket's QR): number, service, status,
people ahead and the estimate from the central's queue; once called, "Mời Ông/Bà đến quầy số N"
in large type with a sound and vibration. No login and no personal data; a token the central
cannot verify gets a plain page that says nothing about any ticket (central/ticket_pages.py)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from central import ticket_pages
from central.auth import get_db
from central.db import Database
from central.web.render import N_, page

router = APIRouter(include_in_schema=False)
STATUS = {"waiting": N_("Waiting"), "called": N_("Called"), "served": N_("Served"),
          "no_show": N_("Skipped: you were not at the counter")}
NOT_FOUND = {"title": N_("Ticket not found"), "status": 404,
             "message": N_("This ticket page does not exist or is no longer valid.")}


def _state(db: Database, token: str) -> dict[str, Any] | None:
    with db.transaction() as s:
        ref = ticket_pages.resolve(s, token)
        return None if ref is None else ticket_pages.state(s, ref)


@router.get("/t/{token}")
def ticket_page(token: str, request: Request, db: Database = Depends(get_db)) -> Response:
    state = _state(db, token)
    if state is None:
        return page(request, "ticket_missing.html", dict(NOT_FOUND), status=404,
                    headers={"X-Robots-Tag": "noindex"})
    return page(request, "ticket.html", {"t": state, "token": token, "statuses": STATUS},
                headers={"X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"})


@router.get("/t/{token}/state")
def ticket_state(token: str, db: Database = Depends(get_db)) -> Response:
    """The page's JSON (after each call it hears, and polled while the push channel is down)."""
    state = _state(db, token)
    if state is None:
        return JSONResponse({"detail": "unknown ticket"}, status_code=404)
    return JSONResponse(state, headers={"Cache-Control": "no-store"})
