"""Management routes (admin token): centres, enrolment codes, devices, fleet; and reports."""
from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from central import analytics, fleet, reports
from central.auth import admin, get_db, optional_admin
from central.centres import CentreRow, doc_of, find_centre, parse_doc, store_doc
from central.db import Database
from central.devices import Device, create_enrolment_code, revoke
from central.leases import Lease
from central.queue import today
from central.schemas import (
    CentreOut,
    CodeIn,
    CodeOut,
    CountersIn,
    DeviceOut,
    LeaseRowOut,
    errors,
)
from pydantic import StringConstraints

from kiosk.contract.config import ConfigError
from kiosk.contract.wire import Day, ErrorBody, ServiceCode, ValidDay

router = APIRouter(prefix="/api/v1", responses=errors(400, 401, 422))
reports_router = APIRouter(responses=errors(400, 401, 404, 409, 422))
DevicePath = Annotated[str, Path(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9-]+$", description="device id")]


def qr_payload(central_url: str, code: str) -> str:
    return json.dumps({"v": 1, "central": central_url, "code": code}, separators=(",", ":"))


def _centre_out(row: CentreRow) -> CentreOut:
    return CentreOut(code=row.code, name=row.name, etag=row.etag, updated_at=row.updated_at.isoformat())


def device_out(d: Device, codes: dict[int, str]) -> DeviceOut:
    iso = lambda v: v.isoformat() if v else None  # noqa: E731
    return DeviceOut(device_id=d.id, name=d.name, centre_code=codes.get(d.centre_id, "?"), role=d.role,
                     device_index=d.device_index, enrolled_at=d.enrolled_at.isoformat(), revoked_at=iso(d.revoked_at),
                     last_batch_at=iso(d.last_batch_at), last_skew_ms=d.last_skew_ms,
                     counters=sorted(int(n) for n in d.counters or []))


CENTRE_BODY = {"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/CentreDocument"}}}}


@router.put("/admin/centres", response_model=CentreOut, tags=["admin"], dependencies=[Depends(admin)],
            openapi_extra={"requestBody": CENTRE_BODY}, responses={422: {"model": ErrorBody, "description": (
                "the document would break a kiosk or the central; detail names each key, e.g. "
                "body: key `centre.timezone`: unknown time zone 'Mars/Olympus'. Nothing stored")}},
            summary="Create or replace a centre's config document (keyed by centre.code)")
def put_centre(doc: dict[str, Any] = Body(), db: Database = Depends(get_db)) -> Any:
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


@router.post("/admin/enrolment-codes", response_model=CodeOut, tags=["admin"], dependencies=[Depends(admin)],
             responses=errors(404))
def post_code(body: CodeIn, request: Request, db: Database = Depends(get_db)) -> Any:
    with db.transaction() as s:
        try:
            centre = find_centre(s, body.centre_code)
        except LookupError as exc:
            raise HTTPException(404, str(exc)) from None
        try:
            code, row = create_enrolment_code(s, centre, body.role, dt.timedelta(hours=body.ttl_hours),
                                              counters=getattr(body, "counters", None))
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        url = str(request.base_url).rstrip("/")
        return CodeOut(code=code, role=row.role, centre_code=centre.code, expires_at=row.expires_at.isoformat(),
                       qr_payload=qr_payload(url, code))


@router.get("/admin/devices", response_model=list[DeviceOut], tags=["admin"], dependencies=[Depends(admin)])
def list_devices(db: Database = Depends(get_db)) -> Any:
    with db.transaction() as s:
        codes = {c.id: c.code for c in s.scalars(select(CentreRow))}
        return [device_out(d, codes) for d in s.scalars(select(Device).order_by(Device.centre_id, Device.device_index))]


@router.put("/admin/devices/{device_id}/counters", response_model=DeviceOut, tags=["admin"],
            dependencies=[Depends(admin)], responses=errors(404, 409),
            summary="Bind a counter device to its counters (it acts and reports only for them)")
def put_counters(device_id: DevicePath, body: CountersIn, db: Database = Depends(get_db)) -> Any:
    with db.transaction() as s:
        d = s.get(Device, device_id)
        if d is None:
            raise HTTPException(404, f"unknown device {device_id!r}")
        if d.role not in ("counter", "rating") and body.counters:
            raise HTTPException(409, f"device {device_id} is a {d.role}, not a counter device")
        d.counters = sorted(set(body.counters))
        codes = {c.id: c.code for c in s.scalars(select(CentreRow))}
        return device_out(d, codes)


@router.post("/admin/devices/{device_id}/revoke", response_model=DeviceOut, tags=["admin"],
             dependencies=[Depends(admin)], responses=errors(404))
def post_revoke(device_id: DevicePath, db: Database = Depends(get_db)) -> Any:
    with db.transaction() as s:
        try:
            d = revoke(s, device_id)
        except LookupError as exc:
            raise HTTPException(404, str(exc)) from None
        codes = {c.id: c.code for c in s.scalars(select(CentreRow))}
        return device_out(d, codes)


@router.get("/admin/leases", response_model=list[LeaseRowOut], tags=["admin"], dependencies=[Depends(admin)],
            summary="Number leases handed out, with how many numbers were seen used")
def list_leases(day: Day | None = Query(default=None, description="YYYY-MM-DD"), service: ServiceCode | None = None,
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
    with db.reading() as s:  # reads only: no write lock on SQLite
        view = fleet.fleet_view(s, reports.alerts(s))
    if format == "html":
        return HTMLResponse(fleet.render_html(view))
    return JSONResponse(view)


@reports_router.get("/reports/satisfaction", tags=["reports"], responses={
    200: {"content": {"application/json": {"schema": {"type": "object"}}, "text/csv": {}, "text/html": {}}}})
def get_satisfaction(
        centre: Annotated[str, StringConstraints(max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")] | None = Query(
            default=None, description="centre code; optional with one centre"),
        from_: ValidDay | None = Query(default=None, alias="from", description="first local day (default: to - 29 days)"),
        to: ValidDay | None = Query(default=None, description="last local day, inclusive (default: today)"),
        group: Literal["officer", "counter", "service", "centre", "day", "hour"] = "officer",
        format: Literal["json", "csv", "html"] = "json",
        is_admin: bool = Depends(optional_admin), db: Database = Depends(get_db)) -> Response:
    def read(s: Session) -> tuple[CentreRow, dt.date, dt.date, dict[str, Any]]:
        try:
            row = find_centre(s, centre)
        except LookupError as exc:
            raise HTTPException(404 if centre else 409, str(exc)) from None
        if not is_admin and not doc_of(row).reports.public:
            raise HTTPException(401, "admin token needed (this centre has not published its reports)",
                                headers={"WWW-Authenticate": "Bearer"})
        end = dt.date.fromisoformat(to or today(doc_of(row)))  # the centre's local day
        try:
            start = dt.date.fromisoformat(from_) if from_ else end - dt.timedelta(days=29)
            return row, start, end, reports.satisfaction(s, row, start, end, group)
        except (ValueError, OverflowError) as exc:
            raise HTTPException(422, str(exc)) from None

    row, start, end, report = analytics.read_report(db, read)  # read-only: call-next goes on meanwhile
    if format == "csv":
        name = f"satisfaction-{row.code}-{start}-{end}-{group}.csv"
        return PlainTextResponse(reports.to_csv(report), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": f'attachment; filename="{name}"'})
    if format == "html":
        return HTMLResponse(reports.to_html(report))
    return JSONResponse(report)
