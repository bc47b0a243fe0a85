"""Numbers and ticket numbers as spoken words (kiosk.spoken)."""
from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.spoken import MAX_NUMBER, VI_LETTER_NAMES, number_to_words, ticket_number_words

VI_CASES = [
    (0, "không"),
    (1, "một"),
    (4, "bốn"),
    (5, "năm"),
    (7, "bảy"),
    (10, "mười"),
    (11, "mười một"),
    (14, "mười bốn"),
    (15, "mười lăm"),
    (19, "mười chín"),
    (20, "hai mươi"),
    (21, "hai mươi mốt"),
    (24, "hai mươi tư"),
    (25, "hai mươi lăm"),
    (30, "ba mươi"),
    (55, "năm mươi lăm"),
    (99, "chín mươi chín"),
    (100, "một trăm"),
    (101, "một trăm linh một"),
    (104, "một trăm linh bốn"),
    (105, "một trăm linh năm"),
    (110, "một trăm mười"),
    (111, "một trăm mười một"),
    (115, "một trăm mười lăm"),
    (121, "một trăm hai mươi mốt"),
    (124, "một trăm hai mươi tư"),
    (200, "hai trăm"),
    (999, "chín trăm chín mươi chín"),
    (1000, "một nghìn"),
    (1001, "một nghìn không trăm linh một"),
    (1005, "một nghìn không trăm linh năm"),
    (1010, "một nghìn không trăm mười"),
    (1015, "một nghìn không trăm mười lăm"),
    (1023, "một nghìn không trăm hai mươi ba"),
    (1100, "một nghìn một trăm"),
    (2021, "hai nghìn không trăm hai mươi mốt"),
    (10000, "mười nghìn"),
    (11000, "mười một nghìn"),
    (15000, "mười lăm nghìn"),
    (21000, "hai mươi mốt nghìn"),
    (100000, "một trăm nghìn"),
    (105000, "một trăm linh năm nghìn"),
    (1000000, "một triệu"),
    (1000001, "một triệu không trăm linh một"),
    (1001000, "một triệu không trăm linh một nghìn"),
    (1200000, "một triệu hai trăm nghìn"),
    (25_000_000, "hai mươi lăm triệu"),
    (999_999_999, "chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn "
                  "chín trăm chín mươi chín"),
]

EN_CASES = [
    (0, "zero"),
    (1, "one"),
    (5, "five"),
    (11, "eleven"),
    (15, "fifteen"),
    (21, "twenty-one"),
    (23, "twenty-three"),
    (100, "one hundred"),
    (101, "one hundred and one"),
    (115, "one hundred and fifteen"),
    (1000, "one thousand"),
    (1005, "one thousand and five"),
    (1023, "one thousand and twenty-three"),
    (1100, "one thousand one hundred"),
    (15000, "fifteen thousand"),
    (100000, "one hundred thousand"),
    (1000000, "one million"),
    (1000001, "one million and one"),
    (999_999_999, "nine hundred and ninety-nine million nine hundred and ninety-nine "
                  "thousand nine hundred and ninety-nine"),
]


@pytest.mark.parametrize(("n", "words"), VI_CASES)
def test_vietnamese_numbers(n: int, words: str) -> None:
    assert number_to_words(n, "vi") == words


@pytest.mark.parametrize(("n", "words"), EN_CASES)
def test_english_numbers(n: int, words: str) -> None:
    assert number_to_words(n, "en") == words


@pytest.mark.parametrize("bad", [-1, MAX_NUMBER + 1, True, 1.0, "12", None])
def test_number_rejects_out_of_range_and_non_int(bad: object) -> None:
    with pytest.raises(ValueError):
        number_to_words(bad, "vi")  # type: ignore[arg-type]


def test_number_rejects_unknown_language() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        number_to_words(1, "fr")


@pytest.mark.parametrize(("ticket", "lang", "words"), [
    ("A023", "vi", "A hai mươi ba"),
    ("1023", "vi", "một nghìn không trăm hai mươi ba"),
    ("B001", "vi", "bê một"),
    ("Đ105", "vi", "đê một trăm linh năm"),
    ("đ105", "vi", "đê một trăm linh năm"),
    ("L15", "vi", "e-lờ mười lăm"),
    ("Y024", "vi", "i dài hai mươi tư"),
    ("AB021", "vi", "A bê hai mươi mốt"),
    ("A000", "vi", "A không"),
    ("a023", "vi", "A hai mươi ba"),
    ("A023", "en", "A-twenty-three"),
    ("1023", "en", "one thousand and twenty-three"),
    ("AB5", "en", "A-B-five"),
])
def test_ticket_number_words(ticket: str, lang: str, words: str) -> None:
    assert ticket_number_words(ticket, lang) == words


@pytest.mark.parametrize("bad", [
    "", "A", "23A", "A-23", "A 23", " A023", "A023\n", "ABCD1", "A1234567890",
    "Ă023", "ß023", "A٢٣", "A²3", "12.5", "-5",
])
def test_ticket_number_rejects_garbage(bad: str) -> None:
    with pytest.raises(ValueError):
        ticket_number_words(bad, "vi")


def test_every_letter_has_a_vietnamese_name() -> None:
    for code in range(ord("A"), ord("Z") + 1):
        assert VI_LETTER_NAMES[chr(code)].strip()
    assert VI_LETTER_NAMES["Đ"] == "đê"


def test_spoken_module_imports_nothing_from_devices() -> None:
    import kiosk.spoken as module

    source = open(module.__file__, encoding="utf-8").read()
    assert not re.search(r"^\s*(from|import)\s+devices", source, re.MULTILINE)


# --- properties -------------------------------------------------------------------------

_VI_VALUES = {"không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4,
              "năm": 5, "lăm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9}


def parse_vietnamese(words: str) -> int:
    """Independent reader of the output, to check the words mean the number."""
    total = group = digit = 0
    for word in words.split():
        if word in _VI_VALUES:
            digit = _VI_VALUES[word]
        elif word == "trăm":
            group += digit * 100
            digit = 0
        elif word == "mươi":
            group += digit * 10
            digit = 0
        elif word == "mười":
            group += 10
        elif word == "linh":
            pass
        elif word in ("nghìn", "triệu"):
            total += (group + digit) * (1000 if word == "nghìn" else 1_000_000)
            group = digit = 0
        else:
            raise AssertionError(f"unexpected word {word!r} in {words!r}")
    return total + group + digit


numbers = st.integers(min_value=0, max_value=MAX_NUMBER)
languages = st.sampled_from(["vi", "en"])


@given(numbers)
def test_vietnamese_words_read_back_as_the_number(n: int) -> None:
    assert parse_vietnamese(number_to_words(n, "vi")) == n


@given(numbers, languages)
def test_words_are_clean_and_deterministic(n: int, lang: str) -> None:
    words = number_to_words(n, lang)
    assert words
    assert words == words.strip()
    assert "  " not in words
    assert words == number_to_words(n, lang)


@given(numbers)
def test_vietnamese_rules_hold_everywhere(n: int) -> None:
    words = number_to_words(n, "vi").split()
    for before, after in zip(words, words[1:], strict=False):
        assert not (before == "mười" and after in ("mốt", "tư", "năm")), words
        assert not (before == "mươi" and after in ("một", "bốn", "năm")), words
    assert "mốt" not in words[:1] and "lăm" not in words[:1]


@given(st.text(alphabet="AĐBZ", max_size=3), st.integers(min_value=0, max_value=99_999), languages)
def test_ticket_numbers_ignore_leading_zeros(prefix: str, n: int, lang: str) -> None:
    padded, plain = f"{prefix}{n:05d}", f"{prefix}{n}"
    assert ticket_number_words(padded, lang) == ticket_number_words(plain, lang)
    assert ticket_number_words(padded, lang).endswith(number_to_words(n, lang))


@given(st.text(max_size=12))
def test_ticket_garbage_raises_only_value_error(text: str) -> None:
    try:
        words = ticket_number_words(text, "vi")
    except ValueError:
        return
    assert words and "  " not in words
