"""The dossier record and the dossier code, as the kiosk and the central both read them.

A code is agency code + received date + daily sequence, in one of the known formats
(`FORMATS`): `000.00.12.H62-201105-0004` (yymmdd, 4-digit sequence) or
`G09.20-20260609-0092637` (yyyymmdd, 7-digit sequence). Case, inner spaces, full-width
characters and dash look-alikes are normalised. `DossierRecord` is the record a source answers
and the central serves (`to_json` / strict `from_json`); `masked()` applies the privacy rules.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal

from kiosk.contract.privacy import Applicant, redact

MAX_PAYLOAD: Final = 512          # characters; scanners send far less for a receipt QR
MAX_AGENCY: Final = 32            # characters of the agency part

# (date digits, sequence digits): the code formats we accept. Add a variant here, nowhere else.
FORMATS: Final = ((6, 4), (8, 7))

AGENCY_PATTERN = r"[A-Z0-9]{1,12}(?:\.[A-Z0-9]{1,12}){0,7}"
# The loose shape (any date/sequence length) tells "a mistyped code" from "not a code at all".
_SHAPE = re.compile(rf"(?P<agency>{AGENCY_PATTERN})-(?P<date>[0-9]{{6,8}})-(?P<seq>[0-9]{{3,8}})")
# The strict pattern a returned DossierCode.code always matches (plus a real date, see is_valid_code).
CODE_PATTERN: Final = re.compile(rf"(?P<agency>{AGENCY_PATTERN})-(?:(?P<d6>[0-9]{{6}})-(?P<s4>[0-9]{{4}})|"
                                 rf"(?P<d8>[0-9]{{8}})-(?P<s7>[0-9]{{7}}))")
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")

MAX_HISTORY = 100


@dataclass(frozen=True)
class DossierCode:
    code: str                 # normalised: "000.00.12.H62-201105-0004"
    agency: str               # "000.00.12.H62"
    received_date: dt.date    # from the code's date part
    sequence: str             # digits as printed, leading zeros kept: "0004"


def code_date(digits: str) -> dt.date | None:
    """The date of a code's date part (yymmdd or yyyymmdd); None if it is not a real date."""
    try:
        if len(digits) == 6:
            return dt.date(2000 + int(digits[:2]), int(digits[2:4]), int(digits[4:]))
        if len(digits) == 8:
            year = int(digits[:4])
            if not 2000 <= year <= 2099:
                return None
            return dt.date(year, int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None
    return None


def squeeze(text: str) -> str:
    """Unicode-normalised, upper case, no whitespace, dash look-alikes as '-'."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    return "".join(text.split()).upper()


def read_code(text: str) -> DossierCode | Literal["invalid_code"] | None:
    """A DossierCode, "invalid_code" for a code-shaped mistake, None for not code-shaped."""
    squeezed = squeeze(text)
    shape = _SHAPE.fullmatch(squeezed)
    if shape is None:
        return None
    agency, date_part, seq = shape.group("agency", "date", "seq")
    received = code_date(date_part)
    if len(agency) > MAX_AGENCY or (len(date_part), len(seq)) not in FORMATS or received is None:
        return "invalid_code"
    return DossierCode(squeezed, agency, received, seq)


def is_valid_code(code: str) -> bool:
    """True for a normalised code: the strict pattern, a bounded agency and a real date."""
    m = CODE_PATTERN.fullmatch(code)
    if m is None or len(m.group("agency")) > MAX_AGENCY:
        return False
    return code_date(m.group("d6") or m.group("d8")) is not None


def parse_code(text: str) -> DossierCode | None:
    """Just the code form (for imports and adapters): a DossierCode or None."""
    try:
        found = read_code(text) if isinstance(text, str) and len(text) <= MAX_PAYLOAD else None
    except Exception:  # noqa: BLE001 - a parser of untrusted input must not raise
        return None
    return found if isinstance(found, DossierCode) else None


# -- the record ----------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    when: dt.datetime   # timezone-aware
    status: int
    note: str = ""


@dataclass(frozen=True)
class DossierRecord:
    code: str
    procedure_name: str
    status: int
    received_date: dt.date
    due_date: dt.date | None = None
    finished_date: dt.date | None = None
    history: tuple[HistoryEntry, ...] = ()
    # A new appointment date after the due date passed (the agency extended it), when known.
    new_due_date: dt.date | None = None
    applicant: Applicant = field(default_factory=Applicant)
    external_id: str | None = None

    def masked(self) -> "DossierRecord":
        """The applicant masked and the notes scrubbed (idempotent)."""
        names = [self.applicant.name] if self.applicant.name else []
        return replace(self, applicant=self.applicant.masked(),
                       history=tuple(replace(h, note=redact(h.note, names)) for h in self.history))

    def __repr__(self) -> str:  # no personal data, whatever the record holds
        return f"DossierRecord(code={self.code!r}, status={self.status}, history={len(self.history)} entries)"

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code, "external_id": self.external_id, "procedure_name": self.procedure_name,
            "status": self.status, "received_date": self.received_date.isoformat(),
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "finished_date": self.finished_date.isoformat() if self.finished_date else None,
            "new_due_date": self.new_due_date.isoformat() if self.new_due_date else None,
            "history": [{"at": h.when.isoformat(), "status": h.status, "note": h.note} for h in self.history],
            "applicant": {"name": self.applicant.name, "id_number": self.applicant.id_number,
                          "phone": self.applicant.phone, "address": self.applicant.address},
        }

    @classmethod
    def from_json(cls, data: Any) -> "DossierRecord":
        """Strict: raises ValueError for anything malformed (an answer we must not show)."""
        if not isinstance(data, dict):
            raise ValueError("record is not an object")

        def text(d: dict[str, Any], key: str, limit: int, required: bool = False) -> str:
            v = d.get(key)
            if v is None and not required:
                return ""
            if not isinstance(v, str) or len(v) > limit or (required and not v.strip()):
                raise ValueError(f"bad {key}")
            return v

        def day(key: str, required: bool = False) -> dt.date | None:
            v = data.get(key)
            if v is None and not required:
                return None
            if not isinstance(v, str):
                raise ValueError(f"bad {key}")
            return dt.date.fromisoformat(v)

        code = text(data, "code", 64, True)
        if not is_valid_code(code):
            raise ValueError("bad code")
        status = data.get("status")
        if not isinstance(status, int) or isinstance(status, bool) or not 0 <= status <= 99:
            raise ValueError("bad status")
        raw_history = data.get("history") or []
        if not isinstance(raw_history, list) or len(raw_history) > MAX_HISTORY:
            raise ValueError("bad history")
        history = []
        for h in raw_history:
            if not isinstance(h, dict) or not isinstance(h.get("status"), int) or not isinstance(h.get("at"), str):
                raise ValueError("bad history entry")
            when = dt.datetime.fromisoformat(h["at"])
            if when.tzinfo is None:
                raise ValueError("naive history time")
            history.append(HistoryEntry(when, h["status"], text(h, "note", 1000)))
        a = data.get("applicant") or {}
        if not isinstance(a, dict):
            raise ValueError("bad applicant")
        external = data.get("external_id")
        if external is not None and (not isinstance(external, str) or len(external) > 64):
            raise ValueError("bad external_id")
        received = day("received_date", True)
        assert received is not None
        return cls(code=code, procedure_name=text(data, "procedure_name", 500, True), status=status,
                   received_date=received, due_date=day("due_date"), finished_date=day("finished_date"),
                   new_due_date=day("new_due_date"),
                   history=tuple(sorted(history, key=lambda h: h.when)),
                   applicant=Applicant(text(a, "name", 200), text(a, "id_number", 32), text(a, "phone", 32),
                                       text(a, "address", 500)),
                   external_id=external)
