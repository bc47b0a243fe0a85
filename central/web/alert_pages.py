"""The alerts page and acknowledging an alert (from any page's alert list)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from central.auth import get_db
from central.centres import CentreRow
from central.db import Database
from central.web.alerts import acknowledge
from central.web.common import (
    Forbidden,
    centres_for,
    checked_form,
    chosen_centre,
    layout,
    safe_next,
    signed_in,
)
from central.web.models import PROVINCE_ADMIN, Alert
from central.web.render import N_, page
from central.web.security import Viewer, audit

router = APIRouter(include_in_schema=False)
KIND_NAMES = {"rating": N_("ratings"), "silent": N_("device silent"), "printer": N_("printer"),
              "dead_letters": N_("dead letters"), "long_wait": N_("long wait"), "help": N_("help requested")}


@router.get("/alerts")
def alerts_page(request: Request, viewer: Viewer = Depends(signed_in), db: Database = Depends(get_db)) -> Response:
    with db.transaction() as s:
        centre = chosen_centre(s, viewer, request.query_params.get("centre"))
        ctx = layout(s, viewer, centre, "alerts")
        stmt = select(Alert).order_by(Alert.opened_at.desc()).limit(200)
        if viewer.role != PROVINCE_ADMIN:
            stmt = stmt.where(Alert.centre_id == viewer.centre_id)
        rows = list(s.scalars(stmt))
        names = {c.id: c.name for c in s.scalars(select(CentreRow))}
    return page(request, "alerts.html", {**ctx, "rows": rows, "kinds": KIND_NAMES, "centre_names": names})


@router.post("/alerts/{alert_id}/ack")
async def ack(alert_id: int, request: Request, viewer: Viewer = Depends(signed_in),
              db: Database = Depends(get_db)) -> Response:
    await checked_form(request, viewer)
    with db.transaction() as s:
        allowed = None if viewer.role == PROVINCE_ADMIN else {c.id for c in centres_for(s, viewer)}
        alert = acknowledge(s, alert_id, viewer.username, allowed)
        if alert is None:
            raise Forbidden()
        audit(s, viewer, "alert.acknowledged", alert.message[:200], alert.centre_id, kind=alert.kind)
    back = request.headers.get("referer", "/alerts")
    path = back.split("://", 1)[-1].split("/", 1)[-1] if "://" in back else back.lstrip("/")
    return RedirectResponse(safe_next("/" + path), status_code=303)
