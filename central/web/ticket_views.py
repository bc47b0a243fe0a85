"""The citizen's ticket page for phones (`/t/<token>`, the ticket's QR): number, service, status,
people ahead and the estimate from the central's queue; once called, "Mời Ông/Bà đến quầy số N"
in large type with a sound and vibration. No login and no personal data; a token the central
cannot verify gets a plain page that says nothing about any ticket (central/ticket_pages.py)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from urllib.parse import urlsplit

from central import ticket_pages
from central.auth import get_db
from central.db import Database
from central.centres import CentreRow, doc_of
from central.web.render import N_, gettext, language, page

router = APIRouter(include_in_schema=False)
STATUS = {"waiting": N_("Waiting"), "called": N_("Called"), "served": N_("Served"),
          "no_show": N_("Skipped: you were not at the counter")}
LEVELS = {"very_satisfied": N_("Very satisfied"), "satisfied": N_("Satisfied"), "unsatisfied": N_("Not satisfied")}
REASONS = {  # the counter's wording of its built-in reasons (screens/counter/app.py), same msgids
    "long_wait": N_("I waited too long"),
    "unclear_guidance": N_("The guidance was not clear"),
    "attitude": N_("The officer's attitude"),
    "slow_processing": N_("The dossier is handled too slowly"),
    "other": N_("Another reason"),
}
REFUSED = {"already_rated": N_("This ticket has already been rated: one rating per ticket."),
           "not_served": N_("You can rate once you have been served."),
           "bad_level": N_("Please choose one of the three answers."),
           "reason_needed": N_("Please choose a reason.")}
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
    reasons = []
    if state.get("reasons"):
        with db.transaction() as s:
            ref = ticket_pages.resolve(s, token)
            centre = s.get(CentreRow, ref.centre_id) if ref else None
            config = doc_of(centre).config if centre else None
        lang = language(request)
        for code in state["reasons"]:
            own = config.rating_reason(code) if config else None
            reasons.append((code, own.display_name(lang) if own else gettext(REASONS.get(code, code), lang)))
    return page(request, "ticket.html", {"t": state, "token": token, "statuses": STATUS, "levels": LEVELS,
                                         "reasons": reasons, "asking": request.query_params.get("rate"),
                                         "refused": REFUSED.get(request.query_params.get("refused") or ""),
                                         "thanks": request.query_params.get("rated") == "1"},
                headers={"X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"})


@router.post("/t/{token}/rating")
async def ticket_rating(token: str, request: Request, db: Database = Depends(get_db)) -> Response:
    """Rating after service from the ticket page (the capability is the token; a post from another
    site is refused by its Origin)."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        return JSONResponse({"detail": "cross-site form refused"}, status_code=403)
    form = await request.form()
    level, reason = str(form.get("level") or ""), str(form.get("reason") or "") or None
    back = f"/t/{token}"
    with db.transaction() as s:
        ref = ticket_pages.resolve(s, token)
        if ref is None:
            return page(request, "ticket_missing.html", dict(NOT_FOUND), status=404)
        if level == "unsatisfied" and reason is None:
            return RedirectResponse(f"{back}?rate=unsatisfied#rate", status_code=303)  # ask the reason first
        try:
            ticket_pages.rate(s, ref, level, reason)
        except ticket_pages.RatingRefused as exc:
            return RedirectResponse(f"{back}?refused={exc}#rate", status_code=303)
    return RedirectResponse(f"{back}?rated=1#rate", status_code=303)


@router.get("/t/{token}/state")
def ticket_state(token: str, db: Database = Depends(get_db)) -> Response:
    """The page's JSON (after each call it hears, and polled while the push channel is down)."""
    state = _state(db, token)
    if state is None:
        return JSONResponse({"detail": "unknown ticket"}, status_code=404)
    return JSONResponse(state, headers={"Cache-Control": "no-store"})
