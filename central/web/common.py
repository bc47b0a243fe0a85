"""What every page shares: who is signed in, their role, the CSRF check, the chosen centre, the layout."""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.auth import get_db
from central.centres import CentreRow, doc_of
from central.db import Database, utc_now
from central.web.alerts import open_alerts
from central.web.models import PROVINCE_ADMIN
from central.web.security import SESSION_COOKIE, Viewer, resolve, same


class SignInNeeded(Exception):
    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


class Forbidden(Exception):
    """403 with a plain page: signed in, but not allowed here."""


class CsrfRefused(Exception):
    """403: a form posted without its token (or from another site)."""


def signed_in(request: Request, db: Database = Depends(get_db)) -> Viewer:
    with db.transaction() as s:
        viewer = resolve(s, request.cookies.get(SESSION_COOKIE))
    if viewer is None:
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInNeeded(back)
    return viewer


def at_least(role: str) -> Callable[..., Viewer]:
    def dependency(viewer: Viewer = Depends(signed_in)) -> Viewer:
        if not viewer.at_least(role):
            raise Forbidden()
        return viewer
    return dependency


async def checked_form(request: Request, viewer: Viewer | None, expected: str | None = None) -> Any:
    """The posted form, once its CSRF token matches the session's (or the sign-in cookie's)."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        raise CsrfRefused()
    form = await request.form()
    token = expected if viewer is None else viewer.csrf_token
    if not same(str(form.get("csrf_token") or ""), token):
        raise CsrfRefused()
    return form


def safe_next(target: str | None) -> str:
    """Only a path of this site after sign-in (no open redirect to another host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def login_url(back_to: str) -> str:
    return "/login?next=" + quote(safe_next(back_to), safe="")


def centres_for(s: Session, viewer: Viewer) -> list[CentreRow]:
    stmt = select(CentreRow).order_by(CentreRow.name)
    if viewer.role != PROVINCE_ADMIN:
        stmt = stmt.where(CentreRow.id == viewer.centre_id)
    return list(s.scalars(stmt))


def chosen_centre(s: Session, viewer: Viewer, code: str | None) -> CentreRow | None:
    """The centre a page is about: the viewer's own, or the one a province admin picked."""
    centres = centres_for(s, viewer)
    if code:
        for c in centres:
            if c.code == code:
                return c
        raise Forbidden()
    return centres[0] if centres else None


def centre_tz(centre: CentreRow | None) -> ZoneInfo:
    return ZoneInfo(doc_of(centre).config.centre.timezone if centre else "Asia/Ho_Chi_Minh")


def centre_today(centre: CentreRow | None) -> dt.date:
    return dt.datetime.now(centre_tz(centre)).date()


def layout(s: Session, viewer: Viewer, centre: CentreRow | None, active: str) -> dict[str, Any]:
    """Context of base.html: navigation, centre picker, the alert badge and list."""
    alerts = open_alerts(s, centre.id if centre else None) if centre or viewer.role == PROVINCE_ADMIN else []
    return {"viewer": viewer, "centre": centre, "centres": centres_for(s, viewer), "active": active,
            "alerts": alerts, "tz": centre_tz(centre), "csrf": viewer.csrf_token, "now": utc_now(),
            "centre_name": (doc_of(centre).config.centre.name if centre else "")}
