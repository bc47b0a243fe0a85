"""Diagnostics bundles uploaded by devices (provisioning/bundle.py makes them), kept for the fleet page.

A device posts its zip with its own token; the central keeps the last KEEP_PER_DEVICE of each
device, each at most MAX_BUNDLE_BYTES (the body limit), and centre managers list and download them on /fleet.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import ForeignKey, Index, LargeBinary, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from central.auth import Caller, device, get_db
from central.db import Base, Database, utc_now
from central.devices import Device
from central.schemas import errors
from kiosk.contract.wire import MAX_BODY_BYTES

MAX_BUNDLE_BYTES = MAX_BODY_BYTES  # the central's body limit (2 MiB): a bundle of config, status and recent logs fits
KEEP_PER_DEVICE = 5
ZIP_MAGIC = b"PK\x03\x04"


class DiagnosticsBundle(Base):
    __tablename__ = "diagnostics_bundles"
    __table_args__ = (Index(None, "centre_id", "uploaded_at"), Index(None, "device_id", "uploaded_at"))

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    device_id: Mapped[str] = mapped_column(String(36))
    uploaded_at: Mapped[dt.datetime]
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class BundleStored(BaseModel):
    bundle_id: int
    size: int
    sha256: str


def store(session: Session, dev: Device, data: bytes, now: dt.datetime | None = None) -> DiagnosticsBundle:
    """Keeps the bundle and forgets the device's oldest beyond KEEP_PER_DEVICE."""
    row = DiagnosticsBundle(centre_id=dev.centre_id, device_id=dev.id, uploaded_at=now or utc_now(), size=len(data),
                            sha256=hashlib.sha256(data).hexdigest(), content=data)
    session.add(row)
    session.flush()
    kept = list(session.scalars(select(DiagnosticsBundle.id).where(DiagnosticsBundle.device_id == dev.id)
                                .order_by(DiagnosticsBundle.uploaded_at.desc(), DiagnosticsBundle.id.desc())
                                .limit(KEEP_PER_DEVICE)))
    session.execute(delete(DiagnosticsBundle).where(DiagnosticsBundle.device_id == dev.id,
                                                    DiagnosticsBundle.id.not_in(kept)))
    return row


def listed(session: Session, centre_id: int) -> list[dict[str, Any]]:
    """The centre's bundles, newest first, without their content."""
    b = DiagnosticsBundle
    names = {d.id: d.name for d in session.scalars(select(Device).where(Device.centre_id == centre_id))}
    return [{"id": i, "device_id": dev, "device_name": names.get(dev, dev), "uploaded_at": at, "size": size,
             "sha256": digest}
            for i, dev, at, size, digest in session.execute(
                select(b.id, b.device_id, b.uploaded_at, b.size, b.sha256).where(b.centre_id == centre_id)
                .order_by(b.uploaded_at.desc(), b.id.desc()))]


router = APIRouter(prefix="/api/v1", tags=["devices"])
# The zip as the raw body (application/octet-stream: the media type every HTTP tool can send).
BUNDLE_BODY = {"required": True, "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                                     "format": "binary"}}}}


@router.post("/diagnostics", status_code=201, response_model=BundleStored, openapi_extra={"requestBody": BUNDLE_BODY},
             responses=errors(401, 413, 422), summary="Upload a diagnostics bundle (a zip) for the fleet page")
async def post_diagnostics(request: Request, caller: Caller = Depends(device),
                           db: Database = Depends(get_db)) -> JSONResponse:
    """The zip made by `kiosk provision diagnostics`; at most 2 MiB. The last 5 of each device are kept."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BUNDLE_BYTES:
        raise HTTPException(413, f"a diagnostics bundle is at most {MAX_BUNDLE_BYTES} bytes")
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BUNDLE_BYTES:
            raise HTTPException(413, f"a diagnostics bundle is at most {MAX_BUNDLE_BYTES} bytes")
    if not data.startswith(ZIP_MAGIC):
        raise HTTPException(422, "the body is not a zip file (a diagnostics bundle from `kiosk provision diagnostics`)")

    def work(s: Session) -> BundleStored:
        dev = s.get(Device, caller.device_id)
        assert dev is not None  # authenticated just now
        row = store(s, dev, bytes(data))
        return BundleStored(bundle_id=row.id, size=row.size, sha256=row.sha256)

    stored = await run_in_threadpool(db.run, work)
    return JSONResponse(stored.model_dump(), status_code=201)
