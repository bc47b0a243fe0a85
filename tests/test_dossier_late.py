"""A late dossier says how many days late, the new appointment date when the data has one, and
whom to ask; it never sends the citizen back on a date that has passed. Dates are read as words."""
from __future__ import annotations

import datetime as dt

import pytest

from benchmarks.dossier import start_loopback_central
from central.dossiers import ImportError_, import_dossiers, parse_import, read_csv
from kiosk.contract.dossier import DossierRecord
from kiosk.dossier.lookup import CachedLookup, CentralDossierSource, DossierDesk
from kiosk.dossier.view import present
from kiosk.i18n import Translator
from kiosk.spoken import date_words
from kiosk.sync.client import CentralClient

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


def test_the_new_date_goes_from_the_central_import_to_the_kiosks_words(tmp_path):
    """JSON and CSV imports store it, the dossier API serves it, the kiosk's result text says it."""
    central = start_loopback_central(f"sqlite:///{tmp_path}/c.db")
    try:
        item = {"code": "000.00.12.H12-261020-0087", "procedure_name": "Cấp đổi Giấy chứng nhận", "status": 4,
                "due_date": "2026-11-13", "new_due_date": "2026-12-04"}
        csv_text = ("code,procedure_name,status,due_date,new_due_date\n"
                    "000.00.12.H12-261020-0088,Cấp đổi Giấy chứng nhận,4,2026-11-13,2026-12-07\n"
                    "000.00.12.H12-261020-0089,Cấp đổi Giấy chứng nhận,4,2026-11-13,\n")
        with central.db.transaction() as s:
            import_dossiers(s, parse_import({"dossiers": [item]}))
            import_dossiers(s, parse_import(read_csv(csv_text)))
        source = CentralDossierSource(CentralClient(central.url, central.enrol()[1], timeout=5))
        now = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.timezone.utc)
        desk = DossierDesk(CachedLookup(source, None), centre_code="000.00.12.H12",
                           translate=Translator("vi").gettext, now=lambda: now)
        assert desk.scan("000.00.12.H12-261020-0087").view.next_step == (
            "Hồ sơ đã trễ hạn 10 ngày. Ngày hẹn trả kết quả mới là 04/12/2026. Vui lòng hỏi tại quầy trả kết quả.")
        assert "07/12/2026" in desk.scan("000.00.12.H12-261020-0088").view.next_step
        assert "mới" not in desk.scan("000.00.12.H12-261020-0089").view.next_step
    finally:
        central.close()


def test_a_new_date_before_the_received_date_is_refused_by_the_import():
    with pytest.raises(ImportError_, match="new_due_date is before received_date"):
        parse_import({"dossiers": [{"code": "000.00.12.H12-261020-0087", "procedure_name": "x", "status": 4,
                                    "new_due_date": "2026-10-01"}]})
