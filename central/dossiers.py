"""Dossiers known to the central, for the kiosks' look-up (issue 5).

A demo/bridge store: dossiers are imported (JSON or CSV, `import_dossiers`) from a province's
one-stop system export; kiosks read them with `GET /api/v1/dossiers/{code}`. A dossier belongs
to one centre and a device only sees its own centre's dossiers. Answers are masked here
(kiosk.contract.privacy): raw personal data never leaves the central.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload

from central.centres import find_centre
from central.db import Base, utc_now
from kiosk.contract.dossier import AGENCY_PATTERN, DossierRecord, HistoryEntry, parse_code
from kiosk.contract.privacy import Applicant
from kiosk.contract.wire import StoredMoment

MAX_IMPORT = 5000
SAMPLE = Path(__file__).resolve().parent / "sample_dossiers.json"


class Dossier(Base):
    __tablename__ = "dossiers"
    __table_args__ = (UniqueConstraint("centre_id", "code"), Index(None, "centre_id", "external_id"))

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str | None] = mapped_column(String(64))
    procedure_name: Mapped[str] = mapped_column(String(500))
    status: Mapped[int]
    received_date: Mapped[dt.date]
    due_date: Mapped[dt.date | None]
    finished_date: Mapped[dt.date | None]
    new_due_date: Mapped[dt.date | None]  # a late dossier's new appointment date, when it was given
    applicant_name: Mapped[str] = mapped_column(String(200), default="")
    applicant_id_number: Mapped[str] = mapped_column(String(32), default="")
    applicant_phone: Mapped[str] = mapped_column(String(32), default="")
    applicant_address: Mapped[str] = mapped_column(String(500), default="")
    office: Mapped[str | None] = mapped_column(String(200))  # the office holding it (province look-up)
    updated_at: Mapped[dt.datetime]  # imported, or read from the province (central.province.cache)
    history: Mapped[list["DossierHistory"]] = relationship(
        order_by="DossierHistory.at", cascade="all, delete-orphan", passive_deletes=True)


class DossierHistory(Base):
    __tablename__ = "dossier_history"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime]
    status: Mapped[int]
    note: Mapped[str] = mapped_column(String(1000), default="")


# -- import --------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL
# The shape of a dossier code, for the OpenAPI document (parse_code also checks the date is real).
CODE_SHAPE = rf"^{AGENCY_PATTERN}-(?:[0-9]{{6}}-[0-9]{{4}}|[0-9]{{8}}-[0-9]{{7}})$"


class ApplicantIn(_Strict):
    name: str = Field(default="", max_length=200, pattern=_NO_NUL)
    id_number: str = Field(default="", max_length=32, pattern=_NO_NUL)
    phone: str = Field(default="", max_length=32, pattern=_NO_NUL)
    address: str = Field(default="", max_length=500, pattern=_NO_NUL)


class HistoryIn(_Strict):
    at: StoredMoment
    status: int = Field(ge=1, le=10)
    note: str = Field(default="", max_length=1000, pattern=_NO_NUL)

    @field_validator("at")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError("needs a timezone, e.g. 2026-06-09T08:15:00+07:00")
        return value


class DossierIn(_Strict):
    # normalised by parse_code (case, spaces), so the shape is only documented, not enforced here
    code: str = Field(max_length=64, json_schema_extra={"pattern": CODE_SHAPE})
    external_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
    procedure_name: str = Field(min_length=1, max_length=500, pattern=_NO_NUL)
    status: int = Field(ge=1, le=10)
    received_date: dt.date | None = None  # default: the code's date
    due_date: dt.date | None = None
    finished_date: dt.date | None = None
    new_due_date: dt.date | None = None  # a late dossier's new appointment date
    applicant: ApplicantIn = ApplicantIn()
    history: list[HistoryIn] = Field(default_factory=list, max_length=100)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        parsed = parse_code(value)
        if parsed is None:
            raise ValueError("not a dossier code (agency-yymmdd-NNNN or agency-yyyymmdd-NNNNNNN, real date)")
        return parsed.code

    @model_validator(mode="after")
    def _dates(self) -> "DossierIn":
        received = self.received_date or parse_code(self.code).received_date  # type: ignore[union-attr]
        if self.due_date and self.due_date < received:
            raise ValueError("due_date is before received_date")
        if self.finished_date and self.finished_date < received:
            raise ValueError("finished_date is before received_date")
        if self.new_due_date and self.new_due_date < received:
            raise ValueError("new_due_date is before received_date")
        return self


class ImportIn(_Strict):
    comment: str | None = Field(default=None, alias="_comment", max_length=2000)
    centre: str | None = Field(default=None, max_length=64, pattern=_NO_NUL)  # centre code; None: the only centre
    dossiers: list[DossierIn] = Field(max_length=MAX_IMPORT)


class ImportError_(ValueError):
    """The file or body cannot be imported; str() says where and why. Nothing was stored."""


def _explain(exc: ValidationError, source: str) -> str:
    lines = []
    for e in exc.errors()[:20]:
        where = ".".join(str(p) for p in e["loc"])
        lines.append(f"{source}: {where}: {e['msg'].removeprefix('Value error, ')}")
    return "\n".join(lines)


def parse_import(data: Any, source: str = "<dossiers>") -> ImportIn:
    if isinstance(data, list):
        data = {"dossiers": data}
    try:
        return ImportIn.model_validate(data)
    except ValidationError as exc:
        raise ImportError_(_explain(exc, source)) from None


_CSV_COLUMNS = ("code", "external_id", "procedure_name", "status", "received_date", "due_date", "finished_date",
                "new_due_date", "applicant_name", "applicant_id_number", "applicant_phone", "applicant_address", "history")


def read_csv(text: str, source: str = "<csv>") -> list[dict[str, Any]]:
    """One dossier per row; `history` (optional) is a JSON list of {at, status, note}."""
    reader = csv.DictReader(io.StringIO(text))
    unknown = set(reader.fieldnames or ()) - set(_CSV_COLUMNS)
    if unknown:
        raise ImportError_(f"{source}: unknown columns {sorted(unknown)}; expected {', '.join(_CSV_COLUMNS)}")
    out = []
    for n, row in enumerate(reader, start=2):
        item: dict[str, Any] = {k: v for k, v in row.items() if v not in (None, "") and not k.startswith("applicant_")
                                and k != "history"}
        item["applicant"] = {k.removeprefix("applicant_"): v for k, v in row.items()
                             if k.startswith("applicant_") and v}
        if row.get("history"):
            try:
                item["history"] = json.loads(row["history"])
            except ValueError:
                raise ImportError_(f"{source}: line {n}: history is not a JSON list") from None
        out.append(item)
    return out


def load_file(path: str | Path) -> ImportIn:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportError_(f"{path}: cannot read: {exc}") from None
    if path.suffix.lower() == ".csv":
        return parse_import(read_csv(text, str(path)), str(path))
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ImportError_(f"{path}: not valid JSON: {exc}") from None
    return parse_import(data, str(path))


def import_dossiers(session: Session, body: ImportIn, centre_code: str | None = None) -> dict[str, int]:
    """Creates or replaces (by centre + code) every dossier of body, with its history."""
    centre = find_centre(session, centre_code or body.centre)  # LookupError: unknown centre
    existing = {d.code: d for d in session.scalars(
        select(Dossier).where(Dossier.centre_id == centre.id, Dossier.code.in_([d.code for d in body.dossiers]))
        .options(selectinload(Dossier.history)))}
    created = updated = 0
    now = utc_now()
    for item in body.dossiers:
        row = existing.get(item.code)
        if row is None:
            row = Dossier(centre_id=centre.id, code=item.code)
            session.add(row)
            existing[item.code] = row
            created += 1
        else:
            updated += 1
        row.external_id = item.external_id
        row.procedure_name = item.procedure_name
        row.status = item.status
        row.received_date = item.received_date or parse_code(item.code).received_date  # type: ignore[union-attr]
        row.due_date, row.finished_date = item.due_date, item.finished_date
        row.new_due_date = item.new_due_date
        row.applicant_name, row.applicant_id_number = item.applicant.name, item.applicant.id_number
        row.applicant_phone, row.applicant_address = item.applicant.phone, item.applicant.address
        row.updated_at = now
        row.history = [DossierHistory(at=h.at, status=h.status, note=h.note) for h in item.history]
    session.flush()
    return {"created": created, "updated": updated, "centre_id": centre.id}


# -- look-up -------------------------------------------------------------------------------


def find_dossier(session: Session, centre_id: int, *, code: str | None = None,
                 external_id: str | None = None) -> Dossier | None:
    query = select(Dossier).where(Dossier.centre_id == centre_id).options(selectinload(Dossier.history))
    if code is not None:
        parsed = parse_code(code)
        if parsed is None:
            return None
        query = query.where(Dossier.code == parsed.code)
    elif external_id is not None:
        query = query.where(Dossier.external_id == external_id)
    else:
        return None
    return session.scalars(query.limit(1)).first()


def to_record(row: Dossier) -> DossierRecord:
    return DossierRecord(
        code=row.code, procedure_name=row.procedure_name, status=row.status, received_date=row.received_date,
        due_date=row.due_date, finished_date=row.finished_date, new_due_date=row.new_due_date,
        external_id=row.external_id, history=tuple(HistoryEntry(h.at, h.status, h.note) for h in row.history),
        applicant=Applicant(row.applicant_name, row.applicant_id_number, row.applicant_phone, row.applicant_address))


def public_json(row: Dossier) -> dict[str, Any]:
    """The answer a device gets: masked applicant, scrubbed notes, and the office holding the
    dossier when the province's system said it (central.province)."""
    return {**to_record(row).masked().to_json(), "office": row.office or None}

