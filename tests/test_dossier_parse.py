"""Dossier payload parser: examples of every class, and fuzzing (never raises, never lies)."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.contract.dossier import CODE_PATTERN, MAX_PAYLOAD, DossierCode, is_valid_code, parse_code
from kiosk.dossier.parse import REFUSALS, DossierId, Refused, TicketRef, parse, refusal_message
from kiosk.ticketing import ticket_qr_payload

CENTRE = "000.00.12.H12"


@pytest.mark.parametrize("payload, code, agency, date, seq", [
    ("000.00.12.H62-201105-0004", "000.00.12.H62-201105-0004", "000.00.12.H62", dt.date(2020, 11, 5), "0004"),
    ("G09.20-20260609-0092637", "G09.20-20260609-0092637", "G09.20", dt.date(2026, 6, 9), "0092637"),
    ("  000.00.12.h62-201105-0004\r\n", "000.00.12.H62-201105-0004", "000.00.12.H62", dt.date(2020, 11, 5), "0004"),
    ("g09.20 – 20260609 - 0092637", "G09.20-20260609-0092637", "G09.20", dt.date(2026, 6, 9), "0092637"),
    ("\ufeffH12.30-20261102-0000153\n", "H12.30-20261102-0000153", "H12.30", dt.date(2026, 11, 2), "0000153"),
    ("０００.００.１２.Ｈ６２－２０１１０５－０００４", "000.00.12.H62-201105-0004", "000.00.12.H62", dt.date(2020, 11, 5), "0004"),
    ("000.00.12.H12-240229-0001", "000.00.12.H12-240229-0001", "000.00.12.H12", dt.date(2024, 2, 29), "0001"),
])
def test_raw_codes(payload, code, agency, date, seq):
    assert parse(payload) == DossierCode(code, agency, date, seq)


@pytest.mark.parametrize("payload", [
    "000.00.12.H62-201131-0004",      # 31 November
    "000.00.12.H62-230229-0004",      # not a leap year
    "000.00.12.H62-201105-004",       # 6-digit date needs a 4-digit sequence
    "G09.20-20260609-00926",          # 8-digit date needs a 7-digit sequence
    "G09.20-19990609-0092637",        # year out of range
    "000.00.12.H62-2011050-0004",     # 7-digit date
])
def test_code_shaped_mistakes_are_invalid_codes(payload):
    assert parse(payload) == Refused("invalid_code")


@pytest.mark.parametrize("payload, expected", [
    ("https://dichvucong.camau.gov.vn/tra-cuu?ma_ho_so=000.00.12.H62-201105-0004",
     DossierCode("000.00.12.H62-201105-0004", "000.00.12.H62", dt.date(2020, 11, 5), "0004")),
    ("HTTPS://DichVuCong.CaMau.gov.vn/x?maHoSo=g09.20-20260609-0092637&lang=vi",
     DossierCode("G09.20-20260609-0092637", "G09.20", dt.date(2026, 6, 9), "0092637")),
    ("https://dichvucong.camau.gov.vn/p/ho-so?id=12345", DossierId("12345")),
    ("http://motcua.camau.gov.vn/ho-so?dossierId=5f9c2a71b3e4d10012a4c001", DossierId("5f9c2a71b3e4d10012a4c001")),
    ("https://dichvucong.gov.vn/p/home/tra-cuu.html#/?code=000.00.12.H62-201105-0004",
     DossierCode("000.00.12.H62-201105-0004", "000.00.12.H62", dt.date(2020, 11, 5), "0004")),
    ("https://dvc.camau.gov.vn/ho-so/000.00.12.H62-201105-0004",
     DossierCode("000.00.12.H62-201105-0004", "000.00.12.H62", dt.date(2020, 11, 5), "0004")),
    # a code parameter wins over an id
    ("https://a.gov.vn/?id=99&ma_ho_so=000.00.12.H62-201105-0004",
     DossierCode("000.00.12.H62-201105-0004", "000.00.12.H62", dt.date(2020, 11, 5), "0004")),
])
def test_links_carrying_a_code_or_id(payload, expected):
    assert parse(payload) == expected


@pytest.mark.parametrize("payload", [
    "https://evil.example.com/?ma_ho_so=000.00.12.H62-201105-0004",   # not a public-service domain
    "https://gov.vn.evil.com/?id=1",
    "https://camau.gov.vn/tin-tuc/bai-viet-123",                       # no code, no id
    "https://camau.gov.vn/?id=<script>",
    "https://user:pw@dichvucong.camau.gov.vn/?id=1",
    "https://[::1/?id=1",
    "ftp://dichvucong.camau.gov.vn/?id=1",
    "javascript:alert(1)",
    "mailto:a@b.vn",
    "file:///etc/passwd",
])
def test_other_links_refused(payload):
    assert parse(payload) == Refused("unknown_link")


def test_allowed_hosts_are_configurable():
    link = "https://motcua.camau.vn/tra-cuu?id=42"
    assert parse(link) == Refused("unknown_link")
    assert parse(link, allowed_hosts=("camau.vn",)) == DossierId("42")


def test_own_ticket_qr_and_another_centres():
    tid = str(uuid.uuid4())
    qr = ticket_qr_payload(CENTRE, "2026-11-23", "A012", tid)
    assert parse(qr, centre_code=CENTRE) == TicketRef(CENTRE, dt.date(2026, 11, 23), "A012", tid)
    assert parse(qr, centre_code="000.00.12.H62") == Refused("other_centre_ticket")
    assert parse(qr.replace(":A012:", ":A 12:"), centre_code=CENTRE) == Refused("bad_ticket")
    assert parse(qr[:-1], centre_code=CENTRE) == Refused("bad_ticket")
    assert parse("KMC1:T:" + CENTRE + ":20261131:A012:" + uuid.UUID(tid).hex, centre_code=CENTRE) == Refused("bad_ticket")


@pytest.mark.parametrize("payload, reason", [
    ("", "empty"), ("   \r\n", "empty"), (b"", "empty"),
    ("x" * (MAX_PAYLOAD + 1), "too_long"),
    ("000.00.12.H62-201105-0004\x00", "unreadable"),
    ("abc\x1b[2J", "unreadable"),
    (b"\xff\xfe\x00", "unreadable"),
    ("096089001234|096089001|Nguyễn Văn An|01011990|Nam|Phường 6, TP. Cà Mau|01012021", "id_card"),
    ("096089001234", "id_card"),
    ("Xin chào", "unrecognised"),
    ("12345", "unrecognised"),
    ("WIFI:S:motcua;T:WPA;P:secret;;", "unrecognised"),
])
def test_refusals(payload, reason):
    assert parse(payload) == Refused(reason)


def test_refusal_messages_are_fixed_and_never_echo_the_input():
    secret = "096089001234|096089001|Nguyễn Văn An|01011990"
    result = parse(secret)
    assert isinstance(result, Refused)
    assert result.message == REFUSALS[result.reason]
    assert "Nguyễn" not in result.message and "096089" not in result.message
    assert refusal_message("no-such-reason") == REFUSALS["unrecognised"]


# -- fuzzing -------------------------------------------------------------------------------

agency = st.from_regex(r"[A-Z0-9]{1,6}(\.[A-Z0-9]{1,6}){0,3}", fullmatch=True)
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))


@st.composite
def codes(draw):
    a, d = draw(agency), draw(dates)
    if draw(st.booleans()):
        return f"{a}-{d:%y%m%d}-{draw(st.integers(0, 9999)):04d}"
    return f"{a}-{d:%Y%m%d}-{draw(st.integers(0, 9_999_999)):07d}"


def _check(result):
    assert isinstance(result, (DossierCode, DossierId, TicketRef, Refused))
    if isinstance(result, DossierCode):
        assert CODE_PATTERN.fullmatch(result.code) and is_valid_code(result.code)
        assert parse(result.code) == result  # idempotent on the normalised form
        assert result.code == f"{result.agency}-{result.code.split('-')[1]}-{result.sequence}"
    if isinstance(result, Refused):
        assert result.reason in REFUSALS


@settings(max_examples=300, deadline=None)
@given(codes(), st.sampled_from(["", " ", "\t", "\r\n"]), st.booleans())
def test_valid_codes_round_trip(code, pad, lower):
    result = parse(pad + (code.lower() if lower else code) + pad)
    assert isinstance(result, DossierCode) and result.code == code
    _check(result)
    assert parse_code(code) == result


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=600))
def test_arbitrary_text_never_crashes(text):
    _check(parse(text, centre_code=CENTRE))


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=700))
def test_arbitrary_bytes_never_crash(data):
    _check(parse(data))
    _check(parse(data.decode("latin-1")))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["http", "https", "HTTP", "ftp", "kmc1", "KMC1:T"]),
       st.text(alphabet=st.characters(codec="utf-8"), max_size=120), codes())
def test_url_and_ticket_like_garbage(scheme, tail, code):
    for payload in (f"{scheme}://{tail}", f"{scheme}://x.gov.vn/?ma_ho_so={tail}&id={tail}",
                    f"{scheme}://x.gov.vn/{tail}?code={code}", f"{scheme}:{tail}:{code}"):
        _check(parse(payload, centre_code=CENTRE))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789.-ABCHGabch ", max_size=40))
def test_code_like_noise_only_yields_valid_codes(text):
    _check(parse(text))
