"""National status vocabulary, its translations, and the timeliness rule."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.dossier.status import (STATUSES, UNKNOWN_STATUS, Timeliness, status_info, timeliness,
                                  timeliness_label)
from kiosk.i18n import Translator

D = dt.date


def test_vocabulary_is_the_national_one_and_translated():
    assert sorted(STATUSES) == list(range(1, 11))
    vi, en = Translator("vi"), Translator("en")
    for code, s in STATUSES.items():
        assert vi(s.label) == s.official_vi, code  # the catalogue gives the national wording
        assert en(s.label) == s.label
        assert vi(s.next_step) != s.next_step and len(vi(s.next_step)) > 20
    assert vi(STATUSES[6].label) == "Yêu cầu thực hiện nghĩa vụ tài chính"
    assert status_info(0) is UNKNOWN_STATUS and status_info(None) is UNKNOWN_STATUS and status_info(11) is UNKNOWN_STATUS
    assert vi(UNKNOWN_STATUS.next_step) != UNKNOWN_STATUS.next_step


@pytest.mark.parametrize("status, due, finished, today, expected", [
    (9, D(2026, 11, 20), D(2026, 11, 18), D(2026, 11, 23), Timeliness.EARLY),
    (10, D(2026, 11, 20), D(2026, 11, 20), D(2026, 11, 23), Timeliness.ON_TIME),
    (9, D(2026, 11, 6), D(2026, 11, 9), D(2026, 11, 23), Timeliness.LATE),
    (9, D(2026, 11, 23), None, D(2026, 11, 23), Timeliness.ON_TIME),   # finished, date missing: today
    (4, D(2026, 11, 26), None, D(2026, 11, 23), Timeliness.ON_TIME),
    (4, D(2026, 11, 23), None, D(2026, 11, 23), Timeliness.ON_TIME),   # the due day itself is in time
    (4, D(2026, 11, 13), None, D(2026, 11, 23), Timeliness.LATE),
    (5, D(2026, 11, 13), None, D(2026, 11, 23), Timeliness.LATE),
    (2, D(2026, 11, 24), None, D(2026, 11, 23), Timeliness.ON_TIME),
    (4, None, None, D(2026, 11, 23), None),                           # no due date
    (1, D(2026, 11, 1), None, D(2026, 11, 23), None),                 # new: time does not run yet
    (3, D(2026, 11, 1), None, D(2026, 11, 23), None),
    (7, D(2026, 11, 1), None, D(2026, 11, 23), None),
    (8, D(2026, 11, 1), None, D(2026, 11, 23), None),
    (42, D(2026, 11, 1), None, D(2026, 11, 23), None),
])
def test_timeliness(status, due, finished, today, expected):
    assert timeliness(status, due, finished, today) == expected


def test_timeliness_labels():
    vi = Translator("vi")
    assert vi(timeliness_label(Timeliness.EARLY, 9)) == "Trước hạn"
    assert vi(timeliness_label(Timeliness.ON_TIME, 10)) == "Đúng hạn"
    assert vi(timeliness_label(Timeliness.LATE, 9)) == "Trễ hạn"
    assert vi(timeliness_label(Timeliness.LATE, 4)) == "Trễ hạn"
    assert vi(timeliness_label(Timeliness.ON_TIME, 4)) == "Còn trong hạn"
    assert timeliness_label(None, 4) is None
