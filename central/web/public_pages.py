"""The public satisfaction page of a centre (`/cong-khai/<centre code>`): no login, printable
(central/public_report.py); `?format=json` gives the same figures. A centre whose document says
`reports.public_page = false` has none: a plain 404, the same as an unknown code."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from central import public_report
from central.auth import get_db
from central.centres import CentreRow, doc_of
from central.db import Database
from central.web.common import centre_tz
from central.web.render import N_, page

router = APIRouter(include_in_schema=False)
PERIODS = {"month": N_("This month"), "year": N_("This year")}


@router.get("/cong-khai/{code}")
def public_satisfaction(code: str, request: Request, db: Database = Depends(get_db)) -> Response:
    with db.reading() as s:  # reads only: the year's ratings never hold SQLite's write lock
        centre = s.scalar(select(CentreRow).where(CentreRow.code == code)) if len(code) <= 64 else None
        if centre is not None and not doc_of(centre).reports.public_page:
            centre = None  # switched off by the centre (reports.public_page): as if there were no page
        if centre is None:
            return page(request, "ticket_missing.html", {"title": N_("Not found"), "status": 404,
                                                         "message": N_("There is no such centre.")}, status=404)
        periods = public_report.periods(s, centre)
        name, named, tz = doc_of(centre).config.centre.name, doc_of(centre).reports.name_officers, centre_tz(centre)
    if request.query_params.get("format") == "json":
        return JSONResponse({"centre": name, "code": code, **public_report.as_json(periods)})
    return page(request, "public_satisfaction.html", {"centre_name": name, "code": code, "periods": periods,
                                                      "period_names": PERIODS, "named": named, "tz": tz})
