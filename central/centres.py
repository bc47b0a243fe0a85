"""Centres and their configuration document (the centre-level sections of the kiosk config).

The document is validated with kiosk.contract.config's own models, so a document the central accepts
is one every kiosk accepts (kiosks merge kiosk.contract.config.CENTRE_SECTIONS of it). One
central-only section is added: `reports` (whether the satisfaction page is public).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from central.db import Base, utc_now
from kiosk.contract.config import (CENTRE_SECTIONS, CalendarDay, Centre, Config, ConfigError, Counter, LobbySettings,
                                   Numbering, Officer, PriorityGroup, QueueRules, RatingReason, Service, config_error,
                                   parse_config)

DEVICE_SECTIONS = ("device", "printer", "speech", "central")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Publication(_Strict):
    public: StrictBool = False  # True: GET /reports/satisfaction needs no admin token
    # The public satisfaction page (/cong-khai/<centre>): published unless public_page is False
    # (then a plain 404, as for an unknown centre); it names the officers at each counter only
    # when name_officers is True.
    public_page: StrictBool = True
    name_officers: StrictBool = False


class CentreDoc(_Strict):
    config: Config  # kiosk model: cross-reference and numbering checks come with it
    reports: Publication = Publication()

    @property
    def numbering(self) -> Numbering:
        return self.config.numbering

    def to_json(self) -> dict[str, Any]:
        doc = self.config.model_dump(mode="json", include=set(CENTRE_SECTIONS))
        doc["reports"] = self.reports.model_dump(mode="json")
        return doc


class CentreDocument(BaseModel):
    """What PUT /api/v1/admin/centres takes and GET /api/v1/config gives, for the OpenAPI document:
    the centre sections of kiosk.contract.config plus `reports`. parse_doc adds the checks JSON
    Schema cannot say (references between sections, room for the fallback blocks, known time zone)."""
    model_config = ConfigDict(extra="forbid", title="CentreDocument")
    centre: Centre
    services: list[Service] = Field(min_length=1)
    priority_groups: list[PriorityGroup] = []
    counters: list[Counter] = []
    officers: list[Officer] = []
    calendar: list[CalendarDay] = []
    rating_reasons: list[RatingReason] = []
    queue: QueueRules = QueueRules()
    numbering: Numbering = Numbering()
    lobby: LobbySettings = LobbySettings()
    reports: Publication = Publication()


def parse_doc(data: dict[str, Any], source: str = "<centre config>") -> CentreDoc:
    """Validates a centre document (JSON or TOML mapping); raises ConfigError with readable lines."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected an object with centre, services, ...")
    data = {k: v for k, v in data.items() if k not in DEVICE_SECTIONS}
    reports = data.pop("reports", {})
    try:  # strictly typed, as JSON says it (a kiosk would coerce false to 0.0; the central refuses it)
        Config.model_validate_json(json.dumps(data, default=str), strict=True)
    except ValidationError as exc:
        raise config_error(exc, source) from None
    config = parse_config(data, source)
    try:
        return CentreDoc(config=config, reports=Publication.model_validate(reports))
    except ValidationError as exc:
        raise config_error(exc, source, ("reports",)) from None


def load_toml(path: str | Path) -> CentreDoc:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from None
    return parse_doc(data, str(path))


def etag_of(doc_json: dict[str, Any]) -> str:
    canonical = json.dumps(doc_json, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


class CentreRow(Base):
    __tablename__ = "centres"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    doc: Mapped[dict[str, Any]]
    etag: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[dt.datetime]


def store_doc(session: Session, doc: CentreDoc) -> CentreRow:
    """Creates or replaces the centre's document (keyed by centre.code)."""
    body = doc.to_json()
    row = session.scalar(select(CentreRow).where(CentreRow.code == doc.config.centre.code))
    if row is None:
        row = CentreRow(code=doc.config.centre.code)
        session.add(row)
    row.name, row.doc, row.etag, row.updated_at = doc.config.centre.name, body, etag_of(body), utc_now()
    session.flush()
    return row


_PARSED: dict[str, CentreDoc] = {}  # by ETag, i.e. by content: one entry per config version


def parsed_doc(etag: str) -> CentreDoc | None:
    """The document of this version if this process has parsed it already (no need to read it)."""
    return _PARSED.get(etag)


def doc_of(row: CentreRow) -> CentreDoc:
    """The validated document of a centre row, parsed once per version."""
    doc = _PARSED.get(row.etag)
    if doc is None:
        doc = _PARSED[row.etag] = parse_doc(row.doc)
    return doc


def find_centre(session: Session, code: str | None) -> CentreRow:
    """The centre named by code, or the only centre when code is None. Raises LookupError."""
    if code:
        row = session.scalar(select(CentreRow).where(CentreRow.code == code))
        if row is None:
            raise LookupError(f"unknown centre {code!r}")
        return row
    rows = session.scalars(select(CentreRow).limit(2)).all()
    if len(rows) != 1:
        raise LookupError("no centre imported yet" if not rows else "several centres: name one with centre=CODE")
    return rows[0]
