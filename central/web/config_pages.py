"""Configuration pages: the centre, services and their hours (per weekday too), priority groups,
counters, officers (with photos), holidays and closed days (a year at a time), the reasons for
"Không hài lòng", and the versions with their diffs and restore."""
from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from central.auth import get_db
from central.centres import CentreRow
from central.db import Database
from central.web import config_store
from central.web.common import Forbidden, at_least, checked_form, chosen_centre, layout
from central.web.models import CENTRE_MANAGER, OfficerPhoto
from central.web.render import N_, language, page, translator
from central.web.security import Viewer
from kiosk.contract.config import ConfigError
from kiosk.contract.staff import hash_pin

router = APIRouter(include_in_schema=False)

# (field, kind): text | text? (empty = absent) | int | int? | float | windows | weekdays | hours | list
#                | date | day_kind | bool | keep | pin (a new PIN, stored hashed; empty = unchanged)
FIELDS: dict[str, list[tuple[str, str]]] = {
    "services": [("code", "text"), ("prefix", "text"), ("digits", "int"), ("name", "text"), ("name_en", "text"),
                 ("average_service_minutes", "float"), ("daily_quota", "int?"), ("windows", "windows"),
                 ("weekdays", "weekdays"), ("hours", "hours"), ("pictogram", "text"), ("examples", "list"),
                 ("examples_en", "list")],
    "priority_groups": [("code", "text"), ("name", "text"), ("name_en", "text")],
    "counters": [("number", "int"), ("services", "list"), ("officer", "text?")],
    "officers": [("code", "text"), ("name", "text"), ("title", "text"), ("pin_hash", "pin"), ("photo", "keep")],
    "calendar": [("date", "date"), ("kind", "day_kind"), ("name", "text"), ("name_en", "text"), ("hours_of", "int?")],
    "rating_reasons": [("order", "int?"), ("code", "text"), ("name", "text"), ("name_en", "text"), ("active", "bool")],
}
SECTIONS = {"centre": N_("Centre"), "services": N_("Services and hours"), "priority_groups": N_("Priority groups"),
            "counters": N_("Counters"), "officers": N_("Officers"), "calendar": N_("Holidays and closed days"),
            "rating_reasons": N_("Rating reasons"), "versions": N_("Versions")}
HEADINGS = {"code": N_("Code"), "prefix": N_("Prefix"), "digits": N_("Digits"), "name": N_("Name (Vietnamese)"),
            "name_en": N_("Name (English)"), "average_service_minutes": N_("Minutes per citizen"),
            "daily_quota": N_("Numbers per day"), "windows": N_("Opening hours"), "weekdays": N_("Weekdays"),
            "hours": N_("Hours of a weekday"), "number": N_("Counter"), "services": N_("Services"),
            "officer": N_("Officer"), "title": N_("Title"), "photo": N_("Photo"), "date": N_("Date"),
            "kind": N_("Kind"), "hours_of": N_("Hours of weekday"), "order": N_("Order"), "active": N_("Shown"),
            "pin_hash": N_("New PIN (4-12 digits; empty: unchanged)"), "pictogram": N_("Pictogram"),
            "examples": N_("Example procedures"), "examples_en": N_("Example procedures (English)")}
DAY_KINDS = {"holiday": N_("Public holiday"), "closed": N_("Closed day"), "working": N_("Extra working day")}
MAX_ROWS = 500


def _windows_text(windows: list[dict[str, Any]]) -> str:
    return ", ".join(f"{w['start']}-{w['end']}" + (f"/{w['quota']}" if w.get("quota") else "") for w in windows)


def show(field: str, kind: str, value: Any) -> str:
    """A document value as the text a person edits."""
    if value is None or kind == "pin":  # a PIN's hash is never shown
        return ""
    if kind == "windows":
        return _windows_text(value)
    if kind == "hours":  # {"6": [windows]} -> "6: 07:30-11:30"
        return "; ".join(f"{day}: {_windows_text(ws)}" for day, ws in sorted(value.items(), key=lambda kv: int(kv[0])))
    if kind == "date":  # the Vietnamese way: 05/02/2027
        try:
            return dt.date.fromisoformat(str(value)).strftime("%d/%m/%Y")
        except ValueError:
            return str(value)
    if kind in ("weekdays", "list"):
        return ", ".join(str(v) for v in value)
    return str(value)


def _read(kind: str, raw: str, key: str, keep: Any) -> Any:
    raw = raw.strip()
    try:
        if kind == "text":
            return raw
        if kind in ("text?", "int?") and not raw:
            return None
        if kind in ("int", "int?"):
            return int(raw)
        if kind == "float":
            return float(raw.replace(",", "."))
        if kind == "list":
            return [p.strip() for p in raw.split(",") if p.strip()]
        if kind == "weekdays":
            return [int(p) for p in raw.replace(" ", ",").split(",") if p.strip()]
        if kind == "windows":
            return _read_windows(raw)
        if kind == "hours":
            hours: dict[str, Any] = {}
            for part in (p.strip() for p in raw.split(";") if p.strip()):
                day, sep, windows = part.partition(":")
                if not sep or not day.strip().isdigit():
                    raise ValueError(part)
                hours[str(int(day))] = _read_windows(windows)
            return hours
        if kind == "date":
            if "/" in raw:
                d, m, y = raw.split("/")
                return dt.date(int(y), int(m), int(d)).isoformat()
            return dt.date.fromisoformat(raw).isoformat()
        if kind == "day_kind":
            if raw in DAY_KINDS:
                return raw
            raise ValueError(raw)
        if kind == "bool":
            return bool(raw)
        if kind == "keep" or (kind == "pin" and not raw):
            return keep
        if kind == "pin":
            return hash_pin(raw)
    except ValueError:
        pass
    hints = {"int": "a whole number", "int?": "a whole number or nothing", "float": "a number",
             "weekdays": "weekdays as numbers 1 (Monday) to 7 (Sunday), separated by commas",
             "windows": "hours as HH:MM-HH:MM, separated by commas, a quota after / (07:30-11:30/50)",
             "hours": "a weekday, a colon and its hours, weekdays separated by semicolons (6: 07:30-11:30)",
             "date": "a date as DD/MM/YYYY (05/02/2027)", "day_kind": "one of " + ", ".join(DAY_KINDS),
             "pin": "a PIN of 4 to 12 digits"}
    raise ConfigError(f"form: key `{key}`: expected {hints.get(kind, 'text')}, got {raw!r}")


def _read_windows(raw: str) -> list[dict[str, Any]]:
    out = []
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        span, _, quota = part.partition("/")
        start, _, end = span.partition("-")
        w: dict[str, Any] = {"start": start.strip(), "end": end.strip()}
        if quota.strip():
            w["quota"] = int(quota)
        out.append(w)
    return out


def calendar_year(request: Request, form: Any = None) -> int:
    """The year the calendar page shows and saves (holidays are configured a year at a time)."""
    raw = str((form.get("year") if form is not None else None) or request.query_params.get("year") or "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else dt.date.today().year


def of_year(days: list[dict[str, Any]], year: int) -> list[dict[str, Any]]:
    return [d for d in days if str(d.get("date", "")).startswith(f"{year}-")]


def document_from_form(section: str, form: Any, current: dict[str, Any], year: int | None = None) -> dict[str, Any]:
    """The current document with one section replaced by what the form says."""
    doc = {k: v for k, v in current.items()}
    if section == "centre":
        centre = dict(doc.get("centre", {}))
        for f in ("name", "name_en", "timezone"):
            centre[f] = str(form.get(f"centre.{f}") or "").strip()
        doc["centre"] = centre
        queue = dict(doc.get("queue", {}))
        for f in ("priority", "normal"):
            queue[f] = _read("int", str(form.get(f"queue.{f}") or ""), f"queue.{f}", None)
        doc["queue"] = queue
        return doc
    fields = FIELDS[section]
    old = list(doc.get(section, []))
    others: list[dict[str, Any]] = []
    if section == "calendar":  # the page edits one year; the other years stay as they are
        assert year is not None
        others = [d for d in old if d not in of_year(old, year)]
        old = of_year(old, year)
    rows: list[dict[str, Any]] = []
    count = _read("int", str(form.get("rows") or "0"), "rows", None)
    for i in range(min(count, MAX_ROWS)):
        if form.get(f"{section}.{i}.delete"):
            continue
        raw = {f: str(form.get(f"{section}.{i}.{f}") or "") for f, _ in fields}
        if not any(raw[f].strip() for f, kind in fields if kind not in ("keep", "bool", "day_kind")):
            continue  # the empty "add" row
        previous = old[i] if i < len(old) else {}
        item = dict(previous)
        for f, kind in fields:
            value = _read(kind, raw[f], f"{section}[{len(rows)}].{f}", previous.get(f, ""))
            if value is None:
                item.pop(f, None)
            else:
                item[f] = value
        rows.append(item)
    if section == "calendar":
        for item in rows:
            if not str(item.get("date", "")).startswith(f"{year}-"):
                raise ConfigError(f"form: key `calendar`: {show('date', 'date', item.get('date'))} is not in {year}: "
                                  "open that year's page to add it")
        rows = sorted(others + rows, key=lambda d: str(d.get("date", "")))
    doc[section] = rows
    return doc


def _config_page(request: Request, s: Session, viewer: Viewer, centre: CentreRow | None, section: str,
                 error: str | None = None, done: str | None = None, form_doc: dict[str, Any] | None = None,
                 status: int = 200, year: int | None = None) -> Response:
    if centre is None:
        raise Forbidden()
    ctx = layout(s, viewer, centre, "config")
    doc = form_doc or centre.doc
    versions = config_store.versions(s, centre) if section == "versions" else []
    year = year or calendar_year(request)
    rows = doc.get(section, []) if section in FIELDS else []
    if section == "calendar":
        rows = of_year(rows, year)
    years = sorted({year, dt.date.today().year, dt.date.today().year + 1}
                   | {int(str(d["date"])[:4]) for d in doc.get("calendar", []) if str(d.get("date", ""))[:4].isdigit()})
    return page(request, "config.html", {**ctx, "section": section, "sections": SECTIONS, "doc": doc, "rows": rows,
                                         "year": year, "years": years, "day_kinds": DAY_KINDS,
                                         "fields": FIELDS.get(section, []), "headings": HEADINGS, "show": show,
                                         "error": error, "done": done, "versions": versions,
                                         "officer_codes": [o["code"] for o in doc.get("officers", [])],
                                         "max_photo_kb": config_store.MAX_PHOTO_BYTES // 1000,
                                         "quote": lambda v: quote(str(v), safe="")}, status=status)


@router.get("/config")
def config_page(request: Request, viewer: Viewer = Depends(at_least(CENTRE_MANAGER)),
                db: Database = Depends(get_db)) -> Response:
    section = request.query_params.get("section", "centre")
    if section not in SECTIONS:
        section = "centre"
    with db.transaction() as s:
        centre = chosen_centre(s, viewer, request.query_params.get("centre"))
        return _config_page(request, s, viewer, centre, section)


@router.post("/config/{section}")
async def save_section(section: str, request: Request, viewer: Viewer = Depends(at_least(CENTRE_MANAGER)),
                       db: Database = Depends(get_db)) -> Response:
    form = await checked_form(request, viewer)
    if section not in SECTIONS or section == "versions":
        raise Forbidden()
    _ = translator(language(request))
    year = calendar_year(request, form)
    with db.transaction() as s:
        centre = chosen_centre(s, viewer, str(form.get("centre") or "") or None)
        if centre is None:
            raise Forbidden()
        try:
            document = document_from_form(section, form, centre.doc, year)
        except ConfigError as exc:
            return _config_page(request, s, viewer, centre, section, error=str(exc), status=422, year=year)
        try:
            saved = config_store.save(s, centre, document, viewer, str(form.get("note") or f"{section} edited"))
        except ConfigError as exc:  # the shared validator's message names the key
            return _config_page(request, s, viewer, centre, section, error=str(exc), form_doc=document, status=422,
                                year=year)
        done = (f"{_('Saved as version')} {saved.version}. {_('Devices receive it at their next check.')}"
                if saved else _("Nothing changed."))
        return _config_page(request, s, viewer, centre, section, done=done, year=year)


@router.post("/config/officers/{code}/photo")
async def upload_photo(code: str, request: Request, viewer: Viewer = Depends(at_least(CENTRE_MANAGER)),
                       db: Database = Depends(get_db)) -> Response:
    form = await checked_form(request, viewer)
    upload = form.get("photo")
    _ = translator(language(request))
    with db.transaction() as s:
        centre = chosen_centre(s, viewer, str(form.get("centre") or "") or None)
        if centre is None:
            raise Forbidden()
        data = await upload.read(config_store.MAX_PHOTO_BYTES + 1) if isinstance(upload, UploadFile) else b""
        try:
            if not data:
                raise config_store.PhotoRefused("no file was chosen")
            saved = config_store.store_photo(s, centre, code, data, viewer)
        except (config_store.PhotoRefused, LookupError, ConfigError) as exc:
            return _config_page(request, s, viewer, centre, "officers", error=f"{_('Photo refused')}: {exc}",
                                status=422)
        done = f"{_('Photo saved')}: {code}" + (f" ({_('version')} {saved.version})" if saved else "")
        return _config_page(request, s, viewer, centre, "officers", done=done)


@router.post("/config/versions/{version}/restore")
async def restore_version(version: int, request: Request, viewer: Viewer = Depends(at_least(CENTRE_MANAGER)),
                          db: Database = Depends(get_db)) -> Response:
    form = await checked_form(request, viewer)
    _ = translator(language(request))
    with db.transaction() as s:
        centre = chosen_centre(s, viewer, str(form.get("centre") or "") or None)
        if centre is None:
            raise Forbidden()
        try:
            saved = config_store.restore(s, centre, version, viewer)
        except (LookupError, ConfigError) as exc:
            return _config_page(request, s, viewer, centre, "versions", error=str(exc), status=422)
        done = (f"{_('Version')} {version} {_('restored as version')} {saved.version}." if saved
                else _("Nothing changed."))
        return _config_page(request, s, viewer, centre, "versions", done=done)


@router.get("/photos/{centre_id}/{name}")
def photo(centre_id: int, name: str, db: Database = Depends(get_db)) -> Response:
    """Officers' photos for the counters' screens (public, like the officer's name at the counter)."""
    code = name.removesuffix(".jpg")
    with db.transaction() as s:
        row = s.get(OfficerPhoto, (centre_id, code))
        if row is None:
            return Response(status_code=404)
        return Response(row.jpeg, media_type="image/jpeg",
                        headers={"ETag": f'"{row.digest[:32]}"', "Cache-Control": "public, max-age=86400"})

