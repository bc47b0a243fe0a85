"""Masking rules, their idempotence, and the logging filter."""
from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.contract.privacy import (REDACTED, Applicant, PersonalDataFilter, get_logger, install_log_filter,
                                   mask_address, mask_id_number, mask_name, mask_phone, redact)


@pytest.mark.parametrize("raw, masked", [
    ("Nguyễn Văn An", "Nguyễn V*** A***"),
    ("  Trần   Thị Bích  Ngọc ", "Trần T*** B*** N***"),
    ("Thạch Thị Sa Rươne", "Thạch T*** S*** R***"),
    ("An", "A***"),
    ("", ""),
])
def test_names(raw, masked):
    assert mask_name(raw) == masked


def test_numbers():
    assert mask_id_number("096089001234") == "*********234"          # CCCD: last 3
    assert mask_id_number("096 089 001 234") == "*********234"
    assert mask_id_number("381234567") == "******567"                # old CMND
    assert mask_id_number("B1234567") == "*****567"                  # passport
    assert mask_id_number("123") == "***"
    assert mask_phone("0912345678") == "*******678"
    assert mask_phone("+84 912 345 678") == "********678"
    assert mask_phone("0912.345.678") == "*******678"
    assert mask_phone("") == ""


@pytest.mark.parametrize("raw, masked", [
    ("Số 15 đường Lý Thường Kiệt, Phường 6, TP. Cà Mau, tỉnh Cà Mau", "TP. Cà Mau, tỉnh Cà Mau"),
    ("Ấp Tân Hưng, xã Tân Thành, tỉnh Cà Mau", "tỉnh Cà Mau"),
    ("Khóm 3, thị trấn Năm Căn, huyện Năm Căn, tỉnh Cà Mau", "huyện Năm Căn, tỉnh Cà Mau"),
    ("12 Nguyễn Trãi, Quận 5, TP Hồ Chí Minh", "Quận 5, TP Hồ Chí Minh"),
    ("Ấp Đá Bạc, xã Đá Bạc, huyện Trần Văn Thời, Cà Mau", "huyện Trần Văn Thời, Cà Mau"),
    ("Số 3, ngõ 5, Hà Nội", "Hà Nội"),
    ("Số 12 đường 3/2", ""),                                           # nothing recognisable: hidden
    ("", ""),
])
def test_addresses(raw, masked):
    assert mask_address(raw) == masked


def test_redact_free_text():
    note = ("Trả cho ông Nguyễn Văn An, SĐT 0912 345 678, CCCD 096089001234; anh Văn An ký nhận. "
            "Hồ sơ 000.00.12.H62-201105-0004 ngày 05/11/2020.")
    out = redact(note, ["Nguyễn Văn An"])
    for leak in ("Văn An", "0912 345", "096089001"):
        assert leak not in out
    assert "Nguyễn V*** A***" in out and "*******678" in out and "*********234" in out
    assert "000.00.12.H62-201105-0004" in out and "05/11/2020" in out  # codes and dates stay readable
    assert redact(out, ["Nguyễn Văn An"]) == out


words = st.text(alphabet=st.characters(categories=("Lu", "Ll")), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(st.lists(words, max_size=5).map(" ".join), st.text(max_size=20), st.text(max_size=20),
       st.text(max_size=120))
def test_masking_is_idempotent(name, idn, phone, address):
    a = Applicant(name, idn, phone, address).masked()
    assert a.masked() == a
    assert mask_name(a.name) == a.name


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_redact_is_idempotent_and_total(text):
    once = redact(text)
    assert redact(once) == once


def test_applicant_repr_is_masked():
    a = Applicant("Nguyễn Văn An", "096089001234", "0912345678", "Số 15 Lý Thường Kiệt, Phường 6, tỉnh Cà Mau")
    for leak in ("Văn", "096089001", "0912345", "Lý Thường Kiệt"):
        assert leak not in repr(a) and leak not in str(a) and leak not in f"{a}"


def test_logging_filter_removes_personal_data(caplog):
    raw = Applicant("Nguyễn Văn An", "096089001234", "0912345678", "Số 15 Lý Thường Kiệt, tỉnh Cà Mau")
    logger = get_logger("kiosk.dossier.test")
    with caplog.at_level(logging.DEBUG, logger="kiosk.dossier.test"):
        logger.info("applicant %s phone %s id %s", raw, raw.phone, raw.id_number,
                    extra={"applicant_phone": raw.phone, "payload": "096089001234|..."})
        try:
            raise ValueError(f"bad id {raw.id_number} phone {raw.phone}")
        except ValueError:
            logger.exception("look-up failed")
    text = caplog.text + " ".join(str(vars(r)) for r in caplog.records)
    for leak in ("096089001", "0912345", "Văn An", "Lý Thường Kiệt"):
        assert leak not in text
    assert caplog.records[0].applicant_phone == REDACTED and caplog.records[0].payload == REDACTED


def test_install_log_filter_on_handlers_is_idempotent():
    logger = logging.getLogger("test.dossier.install")
    handler = logging.StreamHandler()
    logger.addHandler(handler)
    try:
        install_log_filter(logger)
        install_log_filter(logger)
        assert sum(isinstance(f, PersonalDataFilter) for f in handler.filters) == 1
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "call 0912345678", None, None)
        assert handler.filter(record) and record.getMessage() == "call *******678"
    finally:
        logger.removeHandler(handler)
