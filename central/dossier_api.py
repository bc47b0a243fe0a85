"""Dossier look-up routes (device) and the dossier import (admin, HTTP); the CLI import is
`kiosk central import-dossiers` (central/cli.py)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse

from central.auth import Caller, admin, device, get_db
from central.db import Database
from central.dossiers import ImportIn, find_dossier, import_dossiers, public_json
from central.province.cache import Unavailable
from central.schemas import error, errors

router = APIRouter(prefix="/api/v1", responses=errors(400, 401, 422))

_NOT_FOUND = {"reason": "dossier_not_found", "message": "no dossier with this code or id at this centre"}
_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "the dossier, applicant masked (kiosk.contract.privacy)"},
    404: error("no such dossier at the caller's centre: detail.reason = dossier_not_found")}
_UNAVAILABLE = {"reason": "province_unavailable",
                "message": "the province's one-stop system does not answer; try again later"}
_HEADERS = {"Cache-Control": "no-store"}  # personal data, even masked: no proxy keeps it


def _answer(db: Database, caller: Caller, province: Any = None, **key: str) -> JSONResponse:
    if any("\x00" in v or len(v) > 64 for v in key.values()):  # no such code, and PostgreSQL refuses NUL
        raise HTTPException(404, _NOT_FOUND)
    if province is not None and "code" in key:  # the province's system behind the central's rows
        try:
            found = province.cache.answer(caller.centre_id, key["code"])
        except Unavailable:
            raise HTTPException(503, _UNAVAILABLE) from None
        if found is None:
            raise HTTPException(404, _NOT_FOUND)
        return JSONResponse(found, headers=_HEADERS)
    with db.transaction() as s:
        row = find_dossier(s, caller.centre_id, **key)
        if row is None:
            raise HTTPException(404, _NOT_FOUND)
        return JSONResponse(public_json(row), headers=_HEADERS)


@router.get("/dossiers/by-id/{dossier_id}", tags=["dossiers"], responses=_ANSWERS,
            summary="A dossier by the id of the province system (from a receipt link)")
def get_dossier_by_id(dossier_id: str, caller: Caller = Depends(device), db: Database = Depends(get_db)) -> Any:
    if not 1 <= len(dossier_id) <= 64:
        raise HTTPException(404, _NOT_FOUND)
    return _answer(db, caller, external_id=dossier_id)


@router.get("/dossiers/{code}", tags=["dossiers"], summary="A dossier by its code",
            responses={**_ANSWERS, 503: error("the province's system cannot answer and the central holds nothing "
                                              "for this code: detail.reason = province_unavailable")})
def get_dossier(code: str, request: Request, caller: Caller = Depends(device), db: Database = Depends(get_db)) -> Any:
    return _answer(db, caller, getattr(request.app.state, "province", None), code=code)


@router.post("/admin/dossiers/import", tags=["admin"], dependencies=[Depends(admin)],
             responses={404: error("unknown centre"), 422: error("invalid dossiers: nothing stored")})
def post_import(body: ImportIn, db: Database = Depends(get_db)) -> Any:
    """Creates or replaces dossiers (by centre + code) with their history. Demo/bridge use."""
    try:
        with db.transaction() as s:
            counts = import_dossiers(s, body)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    return {"created": counts["created"], "updated": counts["updated"]}
