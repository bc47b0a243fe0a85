"""A dossier record made ready for a screen: masked, translated, timeliness computed (pure)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable
from zoneinfo import ZoneInfo

from kiosk.contract.dossier import DossierRecord
from kiosk.dossier.status import Timeliness, status_info, timeliness, timeliness_label
from kiosk.i18n import N_

MSG_CACHED_MINUTES = N_("Saved information from {minutes} min ago: the system cannot be reached right now.")
MSG_CACHED_HOURS = N_("Saved information from {hours} h ago: the system cannot be reached right now.")


@dataclass(frozen=True)
class HistoryLine:
    when: dt.datetime        # in the centre's timezone
    status_label: str
    note: str                # scrubbed


@dataclass(frozen=True)
class DossierView:
    code: str
    procedure_name: str
    status_code: int
    status_label: str
    next_step: str
    received_date: dt.date
    due_date: dt.date | None
    finished_date: dt.date | None
    timeliness: Timeliness | None
    timeliness_label: str | None
    applicant_name: str      # masked
    applicant_id_number: str
    applicant_phone: str
    applicant_address: str
    history: tuple[HistoryLine, ...]
    from_cache: bool = False
    age_s: float | None = None
    notice: str | None = None  # e.g. "saved information from 12 min ago"


def cache_notice(age_s: float, translate: Callable[[str], str]) -> str:
    minutes = max(1, round(age_s / 60))
    if minutes < 120:
        return translate(MSG_CACHED_MINUTES).format(minutes=minutes)
    return translate(MSG_CACHED_HOURS).format(hours=round(age_s / 3600))


def present(record: DossierRecord, translate: Callable[[str], str], today: dt.date, *,
            tz: ZoneInfo | None = None, from_cache: bool = False, age_s: float | None = None,
            source_down: bool = False) -> DossierView:
    """Everything a screen shows, masked again here whatever the record's origin."""
    tz = tz or ZoneInfo("Asia/Ho_Chi_Minh")
    rec = record.masked()
    info = status_info(rec.status)
    flag = timeliness(rec.status, rec.due_date, rec.finished_date, today)
    label = timeliness_label(flag, rec.status)
    history = tuple(HistoryLine(h.when.astimezone(tz), translate(status_info(h.status).label), h.note)
                    for h in sorted(rec.history, key=lambda h: h.when, reverse=True))
    notice = cache_notice(age_s or 0, translate) if source_down and from_cache else None
    return DossierView(
        code=rec.code, procedure_name=rec.procedure_name, status_code=rec.status, status_label=translate(info.label),
        next_step=translate(info.next_step), received_date=rec.received_date, due_date=rec.due_date,
        finished_date=rec.finished_date, timeliness=flag, timeliness_label=translate(label) if label else None,
        applicant_name=rec.applicant.name, applicant_id_number=rec.applicant.id_number,
        applicant_phone=rec.applicant.phone, applicant_address=rec.applicant.address, history=history,
        from_cache=from_cache, age_s=age_s, notice=notice)
