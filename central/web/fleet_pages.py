"""The fleet page: each device's health in colour, revoke, enrolment codes with their QR."""
from __future__ import annotations

import datetime as dt
from typing import Any

import qrcode
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from qrcode.image.svg import SvgPathImage
from sqlalchemy import select

from central import diagnostics
from central.admin_api import qr_payload
from central.auth import get_db
from central.centres import CentreRow
from central.db import Database, utc_now
from central.devices import ROLES as DEVICE_ROLES
from central.devices import Device, create_enrolment_code, revoke
from central.displays import paired_screens
from central.fleet import STALE_AFTER, ComponentHealth
from central.web.common import Forbidden, at_least, checked_form, chosen_centre, layout
from central.web.models import CENTRE_MANAGER
from central.web.render import N_, page
from central.web.security import Viewer, audit

router = APIRouter(include_in_schema=False)
STATES = {"online": N_("online"), "warning": N_("needs attention"), "offline": N_("silent"), "revoked": N_("revoked")}
DEVICE_ROLE_NAMES = {"lobby": N_("lobby kiosk"), "counter": N_("counter"), "display": N_("hall display"),
                     "rating": N_("rating terminal")}
SKEW_WARN_MS = 120_000


def qr_svg(content: str) -> Markup:
    """A QR code as inline SVG (server-rendered: the page needs no script to show it)."""
    svg = qrcode.make(content, image_factory=SvgPathImage, border=2).to_string(encoding="unicode")
    return Markup(svg[svg.index("<svg"):])  # our own markup, no user text inside


def device_rows(devices: list[Device], health: dict[str, list[ComponentHealth]], now: dt.datetime) -> list[dict[str, Any]]:
    rows = []
    for d in devices:
        comps = health.get(d.id, [])
        printer = next((c for c in comps if c.component.startswith("printer")), None)
        # the latest heartbeat's components that are not ok, each with its detail ("printer: paper low")
        flags = [f"{name}: {h.get('detail') or h.get('state')}" for name, h in sorted((d.health or {}).items())
                 if isinstance(h, dict) and h.get("state") != "ok"]
        bad = [c for c in comps if c.state not in ("ok", "unknown")]
        skew = d.last_skew_ms
        if d.revoked_at is not None:
            state = "revoked"
        elif d.last_heartbeat_at is None or now - d.last_heartbeat_at > STALE_AFTER:
            state = "offline"
        elif flags or bad or (skew is not None and abs(skew) > SKEW_WARN_MS):
            state = "warning"
        else:
            state = "online"
        rows.append({"d": d, "state": state, "printer": printer, "flags": flags, "bad": bad, "skew_ms": skew,
                     "dead_letters": d.dead_letters or None})
    return rows


def _fleet(request: Request, db: Database, viewer: Viewer, enrolment: dict[str, Any] | None = None) -> Response:
    now = utc_now()
    with db.transaction() as s:
        centre = chosen_centre(s, viewer, request.query_params.get("centre"))
        ctx = layout(s, viewer, centre, "fleet")
        devices = list(s.scalars(select(Device).where(Device.centre_id == (centre.id if centre else -1))
                                 .order_by(Device.revoked_at.is_not(None), Device.device_index)))
        tv_screens = paired_screens(s, centre.id) if centre else []  # browser hall displays (display_pages)
        health: dict[str, list[ComponentHealth]] = {}
        ids = [d.id for d in devices]
        if ids:
            for c in s.scalars(select(ComponentHealth).where(ComponentHealth.device_id.in_(ids))
                               .order_by(ComponentHealth.component)):
                health.setdefault(c.device_id, []).append(c)
        bundles = diagnostics.listed(s, centre.id) if centre else []
    rows = device_rows(devices, health, now)
    counts = {k: sum(r["state"] == k for r in rows) for k in STATES}
    return page(request, "fleet.html", {**ctx, "rows": rows, "counts": counts, "states": STATES, "bundles": bundles,
                                        "role_names": DEVICE_ROLE_NAMES, "device_roles": DEVICE_ROLES,
                                        "enrolment": enrolment, "stale_min": int(STALE_AFTER.total_seconds() // 60),
                                        "tv_screens": tv_screens, "tv_outcome": request.query_params.get("tv")})


@router.get("/fleet")
def fleet_page(request: Request, viewer: Viewer = Depends(at_least(CENTRE_MANAGER)),
               db: Database = Depends(get_db)) -> Response:
    return _fleet(request, db, viewer)


@router.get("/fleet/bundles/{bundle_id}.zip")
def download_bundle(bundle_id: int, viewer: Viewer = Depends(at_least(CENTRE_MANAGER)),
                    db: Database = Depends(get_db)) -> Response:
    """A device's diagnostics bundle, for its centre's managers (and province administrators)."""
    with db.transaction() as s:
        row = s.get(diagnostics.DiagnosticsBundle, bundle_id)
        if row is None or not viewer.may_see(row.centre_id):
            raise Forbidden()
        name = f"diagnostics-{row.device_id[:8]}-{row.uploaded_at:%Y%m%d-%H%M%S}.zip"
        return Response(row.content, media_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/fleet/{device_id}/revoke")
async def revoke_device(device_id: str, request: Request, viewer: Viewer = Depends(at_least(CENTRE_MANAGER)),
                        db: Database = Depends(get_db)) -> Response:
    await checked_form(request, viewer)
    with db.transaction() as s:
        device = s.get(Device, device_id)
        if device is None or not viewer.may_see(device.centre_id):
            raise Forbidden()
        revoke(s, device_id)
        audit(s, viewer, "device.revoked", f"{device.name} ({device.id})", device.centre_id, role=device.role)
        code = s.get(CentreRow, device.centre_id)
    return RedirectResponse(f"/fleet?centre={code.code if code else ''}", status_code=303)


@router.post("/fleet/enrolment-code")
async def make_code(request: Request, viewer: Viewer = Depends(at_least(CENTRE_MANAGER)),
                    db: Database = Depends(get_db)) -> Response:
    form = await checked_form(request, viewer)
    role = str(form.get("role") or "")
    if role not in DEVICE_ROLES:
        raise Forbidden()
    with db.transaction() as s:
        centre = chosen_centre(s, viewer, str(form.get("centre") or "") or None)
        if centre is None:
            raise Forbidden()
        code, row = create_enrolment_code(s, centre, role, dt.timedelta(hours=24))
        audit(s, viewer, "enrolment_code.created", role, centre.id, expires_at=row.expires_at.isoformat())
        expires = row.expires_at
    payload = qr_payload(str(request.base_url).rstrip("/"), code)
    return _fleet(request, db, viewer, {"code": code, "role": role, "expires_at": expires, "qr": qr_svg(payload),
                                        "payload": payload})
