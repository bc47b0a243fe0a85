"""The national dossier status vocabulary (1-10) and the timeliness rule (pure).

Labels and "what to do next" texts are English msgids (marked with N_) translated through the
kiosk catalogues; `official_vi` keeps the exact national wording for reference and tests.
"Overdue" is not a status: `timeliness()` computes early / on time / late from the due date
and the finished date (or today while the dossier is still open).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Final

from kiosk.i18n import N_


@dataclass(frozen=True)
class DossierStatus:
    code: int
    official_vi: str     # the national wording
    label: str           # msgid
    next_step: str       # msgid: plain-language "what to do next"
    finished: bool       # processing is complete: timeliness uses the finished date
    timed: bool          # a due date is meaningful in this status


STATUSES: Final[dict[int, DossierStatus]] = {s.code: s for s in (
    DossierStatus(1, "Mới đăng ký", N_("Newly registered"),
                  N_("Your dossier has been submitted and is waiting to be checked by an officer. Nothing is needed from you now; you will be contacted if anything is missing."), False, False),
    DossierStatus(2, "Được tiếp nhận", N_("Accepted"),
                  N_("Your dossier has been accepted and will be processed. Keep your receipt and come back on the date for results written on it."), False, True),
    DossierStatus(3, "Không được tiếp nhận", N_("Not accepted"),
                  N_("Your dossier was not accepted. Please read the reason in the notice you received, or ask at the information desk how to submit it again."), False, False),
    DossierStatus(4, "Đang xử lý", N_("Being processed"),
                  N_("Your dossier is being processed. Nothing is needed from you now; please come back on the date for results."), False, True),
    DossierStatus(5, "Yêu cầu bổ sung giấy tờ", N_("Additional documents requested"),
                  N_("More documents are needed. Please bring the documents listed in the request to the counter of this service area."), False, True),
    DossierStatus(6, "Yêu cầu thực hiện nghĩa vụ tài chính", N_("Payment of fees or taxes requested"),
                  N_("A fee, tax or other charge must be paid before processing continues. Please pay as the notice explains and keep the payment receipt."), False, True),
    DossierStatus(7, "Công dân yêu cầu rút hồ sơ", N_("Withdrawn at the citizen's request"),
                  N_("This dossier was withdrawn at your request and will not be processed further. To apply again, please submit a new dossier."), False, False),
    DossierStatus(8, "Dừng xử lý", N_("Processing stopped"),
                  N_("Processing of this dossier has stopped. Please ask at the information desk for the reason and what to do next."), False, False),
    DossierStatus(9, "Đã xử lý xong", N_("Processing completed"),
                  N_("The result is ready. Please bring your receipt and your ID card to the result counter to collect it."), True, True),
    DossierStatus(10, "Đã trả kết quả", N_("Result returned"),
                  N_("The result has been handed over. Nothing more is needed for this dossier."), True, True),
)}

UNKNOWN_STATUS: Final = DossierStatus(0, "", N_("Status not known"),
                                      N_("Please ask at the information desk about this dossier."), False, False)


def status_info(code: int | None) -> DossierStatus:
    """The status for a national code; UNKNOWN_STATUS for anything else (never raises)."""
    return STATUSES.get(code, UNKNOWN_STATUS) if isinstance(code, int) else UNKNOWN_STATUS


class Timeliness(str, Enum):
    EARLY = "early"        # trước hạn: finished before the due day
    ON_TIME = "on_time"    # đúng hạn: finished on the due day / still within the limit
    LATE = "late"          # trễ hạn: finished after the due day / past it and not finished


TIMELINESS_LABELS: Final = {
    (Timeliness.EARLY, True): N_("Early"),
    (Timeliness.ON_TIME, True): N_("On time"),
    (Timeliness.LATE, True): N_("Late"),
    (Timeliness.ON_TIME, False): N_("Within the time limit"),
    (Timeliness.LATE, False): N_("Late"),
}


def timeliness(status: int | None, due: dt.date | None, finished: dt.date | None,
               today: dt.date) -> Timeliness | None:
    """early / on time / late, by calendar day in the centre's timezone; None when not meaningful.

    Finished dossiers (status 9, 10) compare the finished date with the due date (a missing
    finished date counts as today). Open ones compare today: past the due day is late, else on
    time (never "early": it is not finished). No due date, or a status where time does not run
    (new, not accepted, withdrawn, stopped, unknown): None.
    """
    info = status_info(status)
    if due is None or not info.timed:
        return None
    if info.finished:
        end = finished or today
        if end < due:
            return Timeliness.EARLY
        return Timeliness.ON_TIME if end == due else Timeliness.LATE
    return Timeliness.LATE if today > due else Timeliness.ON_TIME


def timeliness_label(flag: Timeliness | None, status: int | None) -> str | None:
    """The msgid to show for a flag ("Early", "Within the time limit", ...), None for no flag."""
    if flag is None:
        return None
    return TIMELINESS_LABELS.get((flag, status_info(status).finished))
