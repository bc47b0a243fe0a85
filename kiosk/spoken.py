"""Numbers and ticket numbers as spoken words (Vietnamese and English).

Pure functions, no device code and no sentence templates: the translated sentences
("Mời công dân có số {number} đến quầy số {counter}") live in the gettext catalogues;
this module only turns the numbers inside them into words a speech engine reads well.
The rules are written down in docs/speech.md.
"""
from __future__ import annotations

import datetime as dt
import re

MAX_NUMBER = 999_999_999
SUPPORTED_LANGUAGES = ("vi", "en")

# --- Vietnamese -----------------------------------------------------------------------

_VI_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
# "nghìn" is the standard (official) word, understood in every region and what the
# announcement texts use; southern everyday speech says "ngàn" (see docs/speech.md).
_VI_SCALES = ("", "nghìn", "triệu")


def _vi_units_after_tens(units: int) -> str:
    """The units word after "mươi" (20..99): mốt, tư, lăm replace một, bốn, năm."""
    return {1: "mốt", 4: "tư", 5: "lăm"}.get(units, _VI_DIGITS[units])


def _vi_group(value: int, *, full: bool) -> list[str]:
    """Words for 1..999. full=True inside a larger number: say "không trăm" and "linh"."""
    hundreds, rest = divmod(value, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds or full:
        words += [_VI_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:  # 105 "một trăm linh năm"; a bare 5 is just "năm"
                words.append("linh")
            words.append(_VI_DIGITS[units])
    elif tens == 1:
        words.append("mười")
        if units:  # 11 "mười một" (never "mốt"), 14 "mười bốn", 15 "mười lăm"
            words.append("lăm" if units == 5 else _VI_DIGITS[units])
    else:
        words += [_VI_DIGITS[tens], "mươi"]
        if units:
            words.append(_vi_units_after_tens(units))
    return words


def _thousands(n: int) -> list[tuple[int, int]]:
    """(scale, group) pairs of n > 0, highest first, zero groups left out: 1 000 023 is
    [(2, 1), (0, 23)] ("một triệu không trăm hai mươi ba": no "không nghìn")."""
    groups: list[tuple[int, int]] = []
    scale = 0
    while n:
        n, group = divmod(n, 1000)
        if group:
            groups.append((scale, group))
        scale += 1
    return groups[::-1]


def _vi_number(n: int) -> str:
    if n == 0:
        return _VI_DIGITS[0]
    words: list[str] = []
    for scale, group in _thousands(n):  # a group after another says "không trăm" / "linh"
        words += _vi_group(group, full=bool(words))
        if _VI_SCALES[scale]:
            words.append(_VI_SCALES[scale])
    return " ".join(words)


# --- English (British style with "and", matching the en-gb espeak voice) ---------------

_EN_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
            "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
            "seventeen", "eighteen", "nineteen")
_EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_EN_SCALES = ("", "thousand", "million")


def _en_below_100(n: int) -> str:
    if n < 20:
        return _EN_ONES[n]
    tens, units = divmod(n, 10)
    return _EN_TENS[tens] + (f"-{_EN_ONES[units]}" if units else "")


def _en_group(value: int) -> list[str]:
    hundreds, rest = divmod(value, 100)
    words: list[str] = []
    if hundreds:
        words += [_EN_ONES[hundreds], "hundred"]
    if rest:
        if hundreds:
            words.append("and")
        words.append(_en_below_100(rest))
    return words


def _en_number(n: int) -> str:
    if n == 0:
        return _EN_ONES[0]
    words: list[str] = []
    for scale, group in _thousands(n):
        if scale == 0 and words and group < 100:  # 1005 "one thousand and five"
            words.append("and")
        words += _en_group(group)
        if _EN_SCALES[scale]:
            words.append(_EN_SCALES[scale])
    return " ".join(words)


# --- public API -------------------------------------------------------------------------

def _check_language(lang: str) -> str:
    if lang not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; expected one of {SUPPORTED_LANGUAGES}")
    return lang


def number_to_words(n: int, lang: str) -> str:
    """0..999_999_999 as words: number_to_words(1023, "vi") == "một nghìn không trăm hai mươi ba"."""
    _check_language(lang)
    # bool is an int subclass; True spoken as "một" would hide a caller bug.
    if not isinstance(n, int) or isinstance(n, bool):
        raise ValueError(f"not an integer: {n!r}")
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"number out of range 0..{MAX_NUMBER}: {n}")
    return _vi_number(n) if lang == "vi" else _en_number(n)


# Vietnamese names of letters, as read aloud at service counters. Vowels whose name is the
# letter itself stay as the capital letter so captions read "A hai mươi ba".
VI_LETTER_NAMES: dict[str, str] = {
    "A": "A", "B": "bê", "C": "xê", "D": "dê", "Đ": "đê", "E": "E", "F": "ép",
    "G": "giê", "H": "hát", "I": "I", "J": "gi", "K": "ca", "L": "e-lờ", "M": "em-mờ",
    "N": "en-nờ", "O": "O", "P": "pê", "Q": "quy", "R": "e-rờ", "S": "ét-sì", "T": "tê",
    "U": "U", "V": "vê", "W": "vê kép", "X": "ích-xì", "Y": "i dài", "Z": "dét",
}

# Up to 3 letters (Latin A-Z or Đ, either case) then 1..9 ASCII digits; nothing else.
# Matched before upper-casing: "ß".upper() is "SS", which must not become a prefix.
_TICKET_RE = re.compile(r"([A-Za-zĐđ]{0,3})([0-9]{1,9})")


def ticket_number_words(display_number: str, lang: str) -> str:
    """A ticket display number spoken: "A023" -> "A hai mươi ba" (vi), "A-twenty-three" (en).

    Leading zeros are display padding and are not spoken. Raises ValueError for anything
    that is not letters-then-digits.
    """
    _check_language(lang)
    if not isinstance(display_number, str):
        raise ValueError(f"ticket number must be a string: {display_number!r}")
    match = _TICKET_RE.fullmatch(display_number)
    if match is None:
        raise ValueError(f"not a ticket number: {display_number!r}")
    letters, digits = match.group(1).upper(), match.group(2)
    number = number_to_words(int(digits), lang)
    if lang == "vi":
        return " ".join([*(VI_LETTER_NAMES[ch] for ch in letters), number])
    # English espeak reads a lone "A" as the article ("uh"); joining the letters and the
    # number with hyphens makes it say the letter name ("ay-twenty-three").
    return "-".join([*letters, number])


# --- dates ------------------------------------------------------------------------------

_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")


def date_words(day: dt.date, lang: str) -> str:
    """A date as a speech engine should read it (espeak reads "20/11/2026" as fractions):
    vi "ngày hai mươi tháng mười một năm hai nghìn không trăm hai mươi sáu" (April is "tháng tư"),
    en "twenty November two thousand and twenty-six"."""
    _check_language(lang)
    if lang == "vi":
        month = "tư" if day.month == 4 else number_to_words(day.month, "vi")
        return f"ngày {number_to_words(day.day, 'vi')} tháng {month} năm {number_to_words(day.year, 'vi')}"
    return f"{number_to_words(day.day, 'en')} {_EN_MONTHS[day.month - 1]} {number_to_words(day.year, 'en')}"
