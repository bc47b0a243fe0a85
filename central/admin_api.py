"""Management routes (admin token): centres, enrolment codes, devices, fleet; and reports."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from sqlalchemy import select

from central import fleet, reports
from central.auth import admin, get_db, optional_admin
from central.centres import CentreRow, doc_of, find_centre, parse_doc, store_doc
from central.db import Database
from central.devices import Device, create_enrolment_code, revoke
from central.leases import Lease
from central.queue import today
from central.schemas import CentreOut, CodeIn, CodeOut, DeviceOut, LeaseRowOut
from kiosk.contract.config import ConfigError

router = APIRouter(prefix="/api/v1")
reports_router = APIRouter()


def qr_payload(central_url: str, code: str) -> str:
    return json.dumps({"v": 1, "central": central_url, "code": code}, separators=(",", ":"))


def _centre_out(row: CentreRow) -> CentreOut:
    return CentreOut(code=row.code, name=row.name, etag=row.etag, updated_at=row.updated_at.isoformat())


def device_out(d: Device, codes: dict[int, str]) -> DeviceOut:
    iso = lambda v: v.isoformat() if v else None  # noqa: E731
    return DeviceOut(device_id=d.id, name=d.name, centre_code=codes.get(d.centre_id, "?"), role=d.role,
                     device_index=d.device_index, enrolled_at=d.enrolled_at.isoformat(), revoked_at=iso(d.revoked_at),
                     last_batch_at=iso(d.last_batch_at), last_skew_ms=d.last_skew_ms)


@router.put("/admin/centres", response_model=CentreOut, tags=["admin"], dependencies=[Depends(admin)],
            summary="Create or replace a centre's config document (keyed by centre.code)")
def put_centre(doc: dict[str, Any] = Body(description="centre, services, priority_groups, counters, officers, "
                                                      "queue, lobby, numbering, reports"),
               db: Database = Depends(get_db)) -> Any:
    try:
        parsed = parse_doc(doc, "body")
    except ConfigError as exc:
        raise HTTPException(422, str(exc)) from None
    with db.transaction() as s:
        return _centre_out(store_doc(s, parsed))


@router.get("/admin/centres", response_model=list[CentreOut], tags=["admin"], dependencies=[Depends(admin)])
def list_centres(db: Database = Depends(get_db)) -> Any:
    with db.transaction() as s:
        return [_centre_out(r) for r in s.scalars(select(CentreRow).order_by(CentreRow.code))]


@router.post("/admin/enrolment-codes", response_model=CodeOut, tags=["admin"], dependencies=[Depends(admin)])
def post_code(body: CodeIn, request: Request, db: Database = Depends(get_db)) -> Any:
    with db.transaction() as s:
        try:
            centre = find_centre(s, body.centre_code)
        except LookupError as exc:
            raise HTTPException(404, str(exc)) from None
        code, row = create_enrolment_code(s, centre, body.role, dt.timedelta(hours=body.ttl_hours))
        url = str(request.base_url).rstrip("/")
        return CodeOut(code=code, role=row.role, centre_code=centre.code, expires_at=row.expires_at.isoformat(),
                       qr_payload=qr_payload(url, code))


@router.get("/admin/devices", response_model=list[DeviceOut], tags=["admin"], dependencies=[Depends(admin)])
def list_devices(db: Database = Depends(get_db)) -> Any:
    with db.transaction() as s:
        codes = {c.id: c.code for c in s.scalars(select(CentreRow))}
        return [device_out(d, codes) for d in s.scalars(select(Device).order_by(Device.centre_id, Device.device_index))]


@router.post("/admin/devices/{device_id}/revoke", response_model=DeviceOut, tags=["admin"],
             dependencies=[Depends(admin)])
def post_revoke(device_id: str, db: Database = Depends(get_db)) -> Any:
    with db.transaction() as s:
        try:
            d = revoke(s, device_id)
        except LookupError as exc:
            raise HTTPException(404, str(exc)) from None
        codes = {c.id: c.code for c in s.scalars(select(CentreRow))}
        return device_out(d, codes)


@router.get("/admin/leases", response_model=list[LeaseRowOut], tags=["admin"], dependencies=[Depends(admin)],
            summary="Number leases handed out, with how many numbers were seen used")
def list_leases(day: str | None = Query(default=None, description="YYYY-MM-DD"), service: str | None = None,
                db: Database = Depends(get_db)) -> Any:
    with db.transaction() as s:
        codes = {c.id: c.code for c in s.scalars(select(CentreRow))}
        stmt = select(Lease).order_by(Lease.centre_id, Lease.day, Lease.service_code, Lease.first)
        if day:
            stmt = stmt.where(Lease.day == day)
        if service:
            stmt = stmt.where(Lease.service_code == service)
        return [LeaseRowOut(lease_id=x.id, centre_code=codes.get(x.centre_id, "?"), device_id=x.device_id,
                            service_code=x.service_code, day=x.day, first=x.first, last=x.last, window=x.window, used=x.used,
                            created_at=x.created_at.isoformat()) for x in s.scalars(stmt)]


@router.get("/fleet", tags=["admin"], dependencies=[Depends(admin)],
            responses={200: {"content": {"application/json": {"schema": {"type": "object"}}, "text/html": {}}}})
def get_fleet(format: Literal["json", "html"] = "json", db: Database = Depends(get_db)) -> Response:
    with db.transaction() as s:
        view = fleet.fleet_view(s, reports.alerts(s))
    if format == "html":
        return HTMLResponse(fleet.render_html(view))
    return JSONResponse(view)


@reports_router.get("/reports/satisfaction", tags=["reports"], responses={
    200: {"content": {"application/json": {"schema": {"type": "object"}}, "text/csv": {}, "text/html": {}}}})
def get_satisfaction(
        centre: str | None = Query(default=None, description="centre code; optional with one centre"),
        from_: dt.date | None = Query(default=None, alias="from", description="first local day (default: to - 29 days)"),
        to: dt.date | None = Query(default=None, description="last local day, inclusive (default: today)"),
        group: Literal["officer", "counter", "service", "centre", "day", "hour"] = "officer",
        format: Literal["json", "csv", "html"] = "json",
        is_admin: bool = Depends(optional_admin), db: Database = Depends(get_db)) -> Response:
    with db.transaction() as s:
        try:
            row = find_centre(s, centre)
        except LookupError as exc:
            raise HTTPException(404 if centre else 400, str(exc)) from None
        if not is_admin and not doc_of(row).reports.public:
            raise HTTPException(401, "admin token needed (this centre has not published its reports)",
                                headers={"WWW-Authenticate": "Bearer"})
        end = to or dt.date.fromisoformat(today(doc_of(row)))  # the centre's local day
        start = from_ or end - dt.timedelta(days=29)
        try:
            report = reports.satisfaction(s, row, start, end, group)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
    if format == "csv":
        name = f"satisfaction-{row.code}-{start}-{end}-{group}.csv"
        return PlainTextResponse(reports.to_csv(report), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": f'attachment; filename="{name}"'})
    if format == "html":
        return HTMLResponse(reports.to_html(report))
    return JSONResponse(report)
