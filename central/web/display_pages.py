"""The hall display in a TV's browser (`/display/<centre code>`) and its pairing.

A TV that opens the page unpaired gets a cookie and a six-digit code in large type; a manager
enters the code on the fleet page; the page notices (it polls its state) and shows the calls,
which then come through the push channel (GET /api/v1/calls/stream, with the same cookie).
The announcement is a WAV made by the central (central/hall_audio.py)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from central import displays, hall_audio, queue
from central.auth import get_db
from central.centres import CentreRow, doc_of
from central.db import Database, utc_now
from central.web.common import Forbidden, at_least, centre_tz, centres_for, checked_form
from central.web.models import CENTRE_MANAGER
from central.web.render import N_, page
from central.web.security import Viewer, audit

router = APIRouter(include_in_schema=False)
HISTORY = 4  # previous calls listed, 140 px high at 1080p


def _centre(s: Any, code: str) -> CentreRow | None:
    return s.scalar(select(CentreRow).where(CentreRow.code == code)) if len(code) <= 64 else None


def _not_found(request: Request) -> Response:
    return page(request, "error.html", {"title": N_("Not found"), "status": 404,
                                        "message": N_("There is no such centre.")}, status=404)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


@router.get("/display/{code}")
def display_page(code: str, request: Request, db: Database = Depends(get_db)) -> Response:
    secret = request.cookies.get(displays.COOKIE)
    with db.transaction() as s:
        centre = _centre(s, code)
        if centre is None:
            return _not_found(request)
        name, tz = doc_of(centre).config.centre.name, centre_tz(centre)
        screen = displays.screen_of(s, secret)
        if screen is not None and screen.centre_id == centre.id and screen.paired_at is not None:
            return page(request, "display.html", {"centre_name": name, "code": centre.code, "history": HISTORY,
                                                  "zone": tz.key, "tz": tz, "lang": "vi"})
        fresh = screen is None or screen.centre_id != centre.id or screen.pair_code is None
        if fresh or screen is None:
            secret, screen = displays.new_screen(s, centre.id)
        pair_code = screen.pair_code or ""
    response = page(request, "display_pair.html", {"centre_name": name, "code": centre.code,
                                                   "pair_code": f"{pair_code[:3]} {pair_code[3:]}", "lang": "vi"})
    if fresh:
        response.set_cookie(displays.COOKIE, secret or "", max_age=displays.COOKIE_MAX_AGE, httponly=True,
                            samesite="strict", secure=_secure(request), path="/")
    return response


def _paired(db: Database, request: Request, code: str) -> CentreRow | None:
    with db.transaction() as s:
        centre = _centre(s, code)
        if centre is None or displays.paired_centre(s, request.cookies.get(displays.COOKIE)) != centre.id:
            return None
        return centre


@router.get("/display/{code}/state")
def display_state(code: str, request: Request, db: Database = Depends(get_db)) -> Response:
    """The calls and waiting counts (on load, after each call, and as the fallback when the
    push channel is down); 401 until the TV is paired."""
    with db.transaction() as s:
        centre = _centre(s, code)
        if centre is None or displays.paired_centre(s, request.cookies.get(displays.COOKIE)) != centre.id:
            return JSONResponse({"detail": "not paired"}, status_code=401)
        calls = queue.recent_calls(s, centre, None, HISTORY + 1)
        summary = queue.summary(s, centre)
    waiting = [{"code": q.service_code, "name": q.name, "waiting": q.waiting, "minutes": q.estimated_wait_minutes}
               for q in summary.services]
    return JSONResponse({**calls, "waiting": waiting}, headers={"Cache-Control": "no-store"})


@router.get("/display/{code}/audio/{number}/{counter}.wav")
async def display_audio(code: str, number: str, counter: int, request: Request,
                        db: Database = Depends(get_db)) -> Response:
    """"Mời công dân có số … đến quầy số …" as speech (espeak-ng, cached per number and counter)."""
    centre = await run_in_threadpool(_paired, db, request, code)
    if centre is None:
        return JSONResponse({"detail": "not paired"}, status_code=401)
    try:
        path = await run_in_threadpool(hall_audio.announcement_wav, number, counter)
    except ValueError:
        return JSONResponse({"detail": "not a ticket number and counter"}, status_code=404)
    except hall_audio.AudioUnavailable as exc:
        return JSONResponse({"detail": str(exc)}, status_code=503)
    return FileResponse(path, media_type="audio/wav", headers={"Cache-Control": "private, max-age=86400"})


# -- pairing on the fleet page -------------------------------------------------------------------
@router.post("/fleet/displays/pair")
async def pair_display(request: Request, viewer: Viewer = Depends(at_least(CENTRE_MANAGER)),
                       db: Database = Depends(get_db)) -> Response:
    form = await checked_form(request, viewer)
    with db.transaction() as s:
        mine = {c.id: c.code for c in centres_for(s, viewer)}
        screen = displays.pair(s, str(form.get("pair_code") or ""), set(mine), str(form.get("name") or ""))
        if screen is not None:
            audit(s, viewer, "display.paired", screen.name or "", screen.centre_id)
        back = mine.get(screen.centre_id or -1, "") if screen else str(form.get("centre") or "")
    outcome = "paired" if screen is not None else "unknown"
    return RedirectResponse(f"/fleet?centre={back}&tv={outcome}#tv", status_code=303)


@router.post("/fleet/displays/{screen_id}/revoke")
async def revoke_display(screen_id: int, request: Request, viewer: Viewer = Depends(at_least(CENTRE_MANAGER)),
                         db: Database = Depends(get_db)) -> Response:
    await checked_form(request, viewer)
    with db.transaction() as s:
        mine = {c.id: c.code for c in centres_for(s, viewer)}
        screen = displays.revoke_screen(s, screen_id, set(mine))
        if screen is None:
            raise Forbidden()
        audit(s, viewer, "display.revoked", screen.name or "", screen.centre_id, at=utc_now().isoformat())
        back = mine.get(screen.centre_id or -1, "")
    return RedirectResponse(f"/fleet?centre={back}#tv", status_code=303)
