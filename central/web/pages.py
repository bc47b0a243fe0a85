"""Sign-in and sign-out, the home page, people (users) and the audit log."""
from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from central.auth import get_db
from central.centres import CentreRow
from central.db import Database
from central.web.common import (
    CsrfRefused,
    Forbidden,
    SignInNeeded,
    at_least,
    checked_form,
    chosen_centre,
    layout,
    login_url,
    safe_next,
    signed_in,
)
from central.web.models import (
    CENTRE_MANAGER,
    PROVINCE_ADMIN,
    ROLES,
    VIEWER,
    AuditEntry,
    User,
)
from central.web.render import N_, language, page, translator
from central.web.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_MAX,
    AddressThrottle,
    Viewer,
    audit,
    create_user,
    sign_in,
    sign_out,
)

router = APIRouter(include_in_schema=False)
MSG_FORBIDDEN = N_("Your role does not open this page. Ask your centre manager if you need it.")
MSG_CSRF = N_("This form was not sent from this site or has expired. Go back, reload the page and try again.")
throttle = AddressThrottle()
ROLE_NAMES = {PROVINCE_ADMIN: N_("Province administrator"), CENTRE_MANAGER: N_("Centre manager"),
              VIEWER: N_("Leader / viewer")}


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def install_handlers(app: FastAPI) -> None:
    async def need_sign_in(request: Request, exc: SignInNeeded) -> Response:
        if request.url.path.endswith("/live"):  # a polled fragment: say so, do not redirect
            return Response(status_code=401)
        return RedirectResponse(login_url(exc.back_to), status_code=303)

    async def forbidden(request: Request, _exc: Forbidden) -> Response:
        return page(request, "error.html", {"title": N_("Not allowed"), "status": 403,
                                            "message": MSG_FORBIDDEN}, status=403)

    async def csrf(request: Request, _exc: CsrfRefused) -> Response:
        return page(request, "error.html", {"title": N_("Form refused"), "status": 403,
                                            "message": MSG_CSRF}, status=403)

    app.add_exception_handler(SignInNeeded, need_sign_in)  # type: ignore[arg-type]
    app.add_exception_handler(Forbidden, forbidden)  # type: ignore[arg-type]
    app.add_exception_handler(CsrfRefused, csrf)  # type: ignore[arg-type]


def _login_page(request: Request, error: str | None = None, username: str = "", status: int = 200,
                locked_until: Any = None) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = page(request, "login.html", {"error": error, "username": username, "csrf": token,
                                            "next": safe_next(request.query_params.get("next")),
                                            "locked_until": locked_until}, status=status)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request),
                        path="/login")
    return response


@router.get("/login")
def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/login")
async def login(request: Request, db: Database = Depends(get_db)) -> Response:
    form = await checked_form(request, None, request.cookies.get(LOGIN_CSRF_COOKIE))
    username, password = str(form.get("username") or "")[:64], str(form.get("password") or "")[:1024]
    address = request.client.host if request.client else "?"
    if throttle.blocked_for(address):
        return _login_page(request, N_("Too many failed sign-ins from this computer. Wait a few minutes."),
                           username, status=429)
    with db.transaction() as s:
        result = sign_in(s, username, password)
    if result.token is None:
        throttle.failed(address)
        return _login_page(request, result.error, username, status=401 if result.locked_until is None else 423,
                           locked_until=result.locked_until)
    target = safe_next(str(form.get("next") or "/"))
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, result.token, max_age=int(SESSION_MAX.total_seconds()), httponly=True,
                        samesite="lax", secure=_secure(request), path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(request: Request, viewer: Viewer = Depends(signed_in), db: Database = Depends(get_db)) -> Response:
    await checked_form(request, viewer)
    with db.transaction() as s:
        sign_out(s, request.cookies.get(SESSION_COOKIE))
        audit(s, viewer, "user.signed_out", viewer.username, viewer.centre_id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
def home(viewer: Viewer = Depends(signed_in)) -> Response:
    return RedirectResponse("/reports", status_code=303)


def _users_page(request: Request, db: Database, viewer: Viewer, error: str | None = None,
                done: str | None = None, status: int = 200, form: dict[str, str] | None = None) -> Response:
    with db.transaction() as s:
        centre = chosen_centre(s, viewer, request.query_params.get("centre"))
        stmt = select(User).order_by(User.username)
        if viewer.role != PROVINCE_ADMIN:
            stmt = stmt.where(User.centre_id == viewer.centre_id)
        users = list(s.scalars(stmt))
        codes = {c.id: c for c in s.scalars(select(CentreRow))}
        ctx = layout(s, viewer, centre, "users")
    roles = [r for r in ROLES if viewer.role == PROVINCE_ADMIN or r != PROVINCE_ADMIN]
    return page(request, "users.html", {**ctx, "users": users, "centres_by_id": codes, "roles": roles,
                                        "role_names": ROLE_NAMES, "error": error, "done": done,
                                        "form": form or {}}, status=status)


@router.get("/users")
def users(request: Request, viewer: Viewer = Depends(at_least(CENTRE_MANAGER)),
          db: Database = Depends(get_db)) -> Response:
    return _users_page(request, db, viewer)


@router.post("/users")
async def add_user(request: Request, viewer: Viewer = Depends(at_least(CENTRE_MANAGER)),
                   db: Database = Depends(get_db)) -> Response:
    form = await checked_form(request, viewer)
    fields = {k: str(form.get(k) or "") for k in ("username", "display_name", "role", "centre", "password")}
    _ = translator(language(request))
    if fields["role"] not in ROLES or (fields["role"] == PROVINCE_ADMIN and viewer.role != PROVINCE_ADMIN):
        raise Forbidden()
    error = None
    with db.transaction() as s:
        if viewer.role != PROVINCE_ADMIN:  # a manager adds people to their own centre only
            own = s.get(CentreRow, viewer.centre_id)
            fields["centre"] = own.code if own else ""
        try:  # every check comes before anything is added to the session
            user = create_user(s, fields["username"], fields["password"], fields["role"], fields["display_name"],
                               fields["centre"] or None)
            audit(s, viewer, "user.created", user.username, user.centre_id, role=user.role,
                  display_name=user.display_name)
        except ValueError as exc:
            error = f"{_('Not saved')}: {exc}"
    if error:
        shown = {k: v for k, v in fields.items() if k != "password"}
        return _users_page(request, db, viewer, error=error, status=422, form=shown)
    return _users_page(request, db, viewer, done=f"{_('User created')}: {fields['username']}")


@router.get("/audit")
def audit_log(request: Request, viewer: Viewer = Depends(at_least(CENTRE_MANAGER)),
              db: Database = Depends(get_db)) -> Response:
    with db.transaction() as s:
        centre = chosen_centre(s, viewer, request.query_params.get("centre"))
        stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(200)
        if viewer.role != PROVINCE_ADMIN:
            stmt = stmt.where(AuditEntry.centre_id == viewer.centre_id)
        entries = list(s.scalars(stmt))
        ctx = layout(s, viewer, centre, "audit")
    return page(request, "audit.html", {**ctx, "entries": entries})
