"""A late dossier says how many days late, the new appointment date when the data has one, and
whom to ask; it never sends the citizen back on a date that has passed. Dates are read as words."""
from __future__ import annotations

import datetime as dt

from kiosk.contract.dossier import DossierRecord
from kiosk.dossier.view import present
from kiosk.i18n import Translator
from kiosk.spoken import date_words

TODAY = dt.date(2026, 11, 23)


def record(status: int = 4, due: dt.date = dt.date(2026, 11, 13), new_due: dt.date | None = None,
           finished: dt.date | None = None) -> DossierRecord:
    return DossierRecord(code="H12.30-20261020-0000087", procedure_name="Cấp đổi Giấy chứng nhận",
                         status=status, received_date=dt.date(2026, 10, 20), due_date=due,
                         finished_date=finished, new_due_date=new_due)


def vi(message: str) -> str:
    return Translator("vi").gettext(message, "vi")


def test_ten_days_late_says_so_and_sends_to_the_result_counter_not_back_on_a_past_date():
    view = present(record(), vi, TODAY)
    assert view.days_late == 10 and view.new_due_date is None
    assert view.next_step == "Hồ sơ đã trễ hạn 10 ngày. Vui lòng hỏi tại quầy trả kết quả."
    assert "quay lại" not in view.next_step


def test_the_new_appointment_date_is_given_when_the_data_has_one():
    view = present(record(new_due=dt.date(2026, 12, 4)), vi, TODAY)
    assert view.next_step == ("Hồ sơ đã trễ hạn 10 ngày. Ngày hẹn trả kết quả mới là 04/12/2026. "
                              "Vui lòng hỏi tại quầy trả kết quả.")
    passed = present(record(new_due=dt.date(2026, 11, 20)), vi, TODAY)  # a new date that passed too
    assert passed.new_due_date is None and "mới" not in passed.next_step


def test_a_step_to_take_is_kept_and_the_lateness_added():
    view = present(record(status=5), vi, TODAY)  # papers to add
    assert view.next_step.endswith("Hồ sơ đã trễ hạn 10 ngày. Vui lòng hỏi tại quầy trả kết quả.")
    assert len(view.next_step) > len("Hồ sơ đã trễ hạn 10 ngày. Vui lòng hỏi tại quầy trả kết quả.")


def test_on_time_and_finished_dossiers_are_unchanged():
    assert present(record(due=dt.date(2026, 11, 30)), vi, TODAY).days_late is None
    done = present(record(status=9, finished=dt.date(2026, 11, 20)), vi, TODAY)
    assert done.days_late is None and "trễ hạn" not in done.next_step


def test_the_record_carries_the_new_date_over_the_wire():
    rec = record(new_due=dt.date(2026, 12, 4))
    assert DossierRecord.from_json(rec.to_json()).new_due_date == dt.date(2026, 12, 4)
    assert DossierRecord.from_json({**rec.to_json(), "new_due_date": None}).new_due_date is None


def test_dates_are_read_as_words():
    assert date_words(dt.date(2026, 12, 4), "vi") == "ngày bốn tháng mười hai năm hai nghìn không trăm hai mươi sáu"
    assert date_words(dt.date(2026, 4, 30), "vi").startswith("ngày ba mươi tháng tư năm")
    assert date_words(dt.date(2026, 11, 20), "en") == "twenty November two thousand and twenty-six"
