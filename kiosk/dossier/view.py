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
    days_late: int | None = None       # an open dossier past its due day: how many days
    new_due_date: dt.date | None = None  # the new appointment date, when the data has one (not passed)


DATE_STEPS = (2, 4)  # statuses whose next step sends the citizen back on the due date
MSG_DAYS_LATE = N_("This dossier is {days} days late.")
MSG_NEW_DATE = N_("The new appointment date is {date}.")
MSG_ASK_RESULT_COUNTER = N_("Please ask at the result counter.")


def late_advice(days_late: int, new_due: dt.date | None, translate: Callable[[str], str],
                days_text: Callable[[int], str] = str,
                date_text: Callable[[dt.date], str] = lambda d: d.strftime("%d/%m/%Y")) -> str:
    """How late, the new date when there is one, and whom to ask: never "come back on the date"
    once the date has passed. days_text / date_text: digits on screen, words when spoken."""
    parts = [translate(MSG_DAYS_LATE).format(days=days_text(days_late))]
    if new_due is not None:
        parts.append(translate(MSG_NEW_DATE).format(date=date_text(new_due)))
    parts.append(translate(MSG_ASK_RESULT_COUNTER))
    return " ".join(parts)


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
    next_step = translate(info.next_step)
    days_late = new_due = None
    if flag is Timeliness.LATE and rec.finished_date is None and rec.due_date is not None \
            and rec.status not in (9, 10):
        days_late = (today - rec.due_date).days
        new_due = rec.new_due_date if rec.new_due_date is not None and rec.new_due_date >= today else None
        advice = late_advice(days_late, new_due, translate)
        # "Đang xử lý" / "Được tiếp nhận" say "come back on the date": replaced; the others keep
        # their own step (papers to add, a fee to pay) and get the advice after it.
        next_step = advice if rec.status in DATE_STEPS else f"{next_step} {advice}"
    return DossierView(
        code=rec.code, procedure_name=rec.procedure_name, status_code=rec.status, status_label=translate(info.label),
        next_step=next_step, days_late=days_late, new_due_date=new_due, received_date=rec.received_date, due_date=rec.due_date,
        finished_date=rec.finished_date, timeliness=flag, timeliness_label=translate(label) if label else None,
        applicant_name=rec.applicant.name, applicant_id_number=rec.applicant.id_number,
        applicant_phone=rec.applicant.phone, applicant_address=rec.applicant.address, history=history,
        from_cache=from_cache, age_s=age_s, notice=notice)
