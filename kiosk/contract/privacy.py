"""Masking of personal data before anything is shown, cached or logged.

Rules (all idempotent: masking a masked value changes nothing):

* Names: the first word (the family name in Vietnamese order) is kept; every other word
  becomes its first letter + "***" whatever its length: "Nguyễn Văn An" -> "Nguyễn V*** A***".
  A one-word name keeps only its initial: "An" -> "A***".
* ID numbers (CCCD 12 digits, CMND 9, passports): only the last 3 characters stay, the others
  become "*": "079123456789" -> "*********789". Values under 6 characters are fully starred.
* Phone numbers: digits only, the last 3 stay: "0912 345 678" -> "*******678".
* Addresses: only the district and province parts are kept (comma-separated parts that start
  with tỉnh / thành phố / TP / quận / huyện / thị xã, or a last part naming a province):
  "Số 12 Lê Lợi, Phường 5, TP. Cà Mau, tỉnh Cà Mau" -> "TP. Cà Mau, tỉnh Cà Mau". House number,
  street, hamlet (ấp), ward and commune are dropped. Nothing recognised -> "" (not shown).
* Free text (history notes): runs of 7-15 digits (phones, ID numbers) keep their last 3
  digits; known names (the applicant's) are replaced by their masked form.

`PersonalDataFilter` applies the free-text rule to every log record it sees, blanks `extra`
attributes named like personal fields, and formats exceptions so tracebacks are scrubbed too.
`Applicant.__repr__` is masked, so logging the object itself is safe.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Callable, Final, Iterable

STARS: Final = "***"

# -- names ---------------------------------------------------------------------------------


def mask_name(name: str | None) -> str:
    words = unicodedata.normalize("NFC", name or "").split()
    if not words:
        return ""
    if len(words) == 1:
        return words[0][0] + STARS
    return " ".join([words[0], *(w[0] + STARS for w in words[1:])])


# -- numbers -------------------------------------------------------------------------------


def _keep_last3(chars: str) -> str:
    n = len(chars)
    if n < 6:
        return "*" * max(n, 3) if n else ""
    return "*" * (n - 3) + chars[-3:]


def mask_id_number(value: str | None) -> str:
    text = unicodedata.normalize("NFKC", value or "")
    return _keep_last3("".join(c for c in text if (c.isascii() and c.isalnum()) or c == "*").upper())


def mask_phone(value: str | None) -> str:
    text = unicodedata.normalize("NFKC", value or "")
    return _keep_last3("".join(c for c in text if c in "0123456789*"))


# -- addresses -----------------------------------------------------------------------------

def fold(text: str) -> str:
    """Lower case without diacritics ("Đắk Lắk" -> "dak lak"), spaces collapsed: for matching."""
    text = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return " ".join(text.lower().split())


# The 63 provinces and cities before the 2025 merger (the 34 after it are among them).
PROVINCES: Final = frozenset(fold(p) for p in (
    "An Giang", "Bà Rịa - Vũng Tàu", "Bà Rịa Vũng Tàu", "Bạc Liêu", "Bắc Giang", "Bắc Kạn", "Bắc Ninh",
    "Bến Tre", "Bình Dương", "Bình Định", "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng", "Cần Thơ",
    "Đà Nẵng", "Đắk Lắk", "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang", "Hà Nam",
    "Hà Nội", "Hà Tĩnh", "Hải Dương", "Hải Phòng", "Hậu Giang", "Hòa Bình", "Hưng Yên", "Khánh Hòa",
    "Kiên Giang", "Kon Tum", "Lai Châu", "Lâm Đồng", "Lạng Sơn", "Lào Cai", "Long An", "Nam Định", "Nghệ An",
    "Ninh Bình", "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình", "Quảng Nam", "Quảng Ngãi", "Quảng Ninh",
    "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh", "Thái Bình", "Thái Nguyên", "Thanh Hóa", "Thừa Thiên Huế",
    "Huế", "Tiền Giang", "Hồ Chí Minh", "TP Hồ Chí Minh", "TP. Hồ Chí Minh", "Trà Vinh", "Tuyên Quang",
    "Vĩnh Long", "Vĩnh Phúc", "Yên Bái",
))
_PROVINCE_PREFIX = re.compile(r"^(tinh|thanh pho|tp\.?)\s*")
_DISTRICT_PREFIX = re.compile(r"^(tinh|thanh pho|tp\.?|quan|q\.|huyen|h\.|thi xa|tx\.?)(\s|$|(?<=\.))")


def _is_province(part: str) -> bool:
    folded = fold(part)
    return bool(_PROVINCE_PREFIX.match(folded)) or folded in PROVINCES or \
        _PROVINCE_PREFIX.sub("", folded) in PROVINCES


def mask_address(address: str | None) -> str:
    parts = [" ".join(p.split()) for p in unicodedata.normalize("NFC", address or "").split(",")]
    parts = [p for p in parts if p]
    if not parts:
        return ""
    kept: list[str] = []
    last = parts[-1]
    province = last if _is_province(last) else None
    for part in parts[:-1] if province else parts:
        if _DISTRICT_PREFIX.match(fold(part)):
            kept.append(part)
        else:
            kept.clear()  # keep only the trailing run of district-level parts
    if province:
        kept.append(province)
    return ", ".join(kept)


# -- free text -----------------------------------------------------------------------------
# 7-15 digits, optionally grouped by single spaces or dots ("0912 345 678", "0912.345.678"),
# not part of a longer token (so dossier codes such as 000.00.12.H62-201105-0004 stay intact).
_NUMBER_RUN = re.compile(r"(?<![\w.\-*])\+?[0-9](?:[ .]?[0-9]){6,14}(?![\w\-*]|\.\w)")


def _mask_run(match: re.Match[str]) -> str:
    return _keep_last3("".join(c for c in match.group(0) if c.isdigit()))


def _constant(replacement: str) -> Callable[[re.Match[str]], str]:
    """A re.sub replacement taken as it is (no backslash escapes)."""
    return lambda _match: replacement


def redact(text: str, names: Iterable[str] = ()) -> str:
    """Free text with phone/ID-like digit runs masked and the given names replaced by their masks."""
    text = unicodedata.normalize("NFC", text)
    for name in names:
        words = unicodedata.normalize("NFC", name or "").split()
        if not words:
            continue
        full = r"\s+".join(map(re.escape, words))
        masked = mask_name(" ".join(words))
        text = re.sub(rf"(?<!\w){full}(?!\w)", _constant(masked), text, flags=re.IGNORECASE)
        if len(words) >= 2:  # "anh Văn An": the name without the family name (exact case only)
            tail = r"\s+".join(map(re.escape, words[1:]))
            tail_masked = " ".join(w[0] + STARS for w in words[1:])
            text = re.sub(rf"(?<!\w){tail}(?!\w)", _constant(tail_masked), text)
    return _NUMBER_RUN.sub(_mask_run, text)


# -- the applicant -------------------------------------------------------------------------


@dataclass(frozen=True)
class Applicant:
    """A dossier's applicant. repr/str are masked: logging one never leaks the raw values."""
    name: str = ""
    id_number: str = ""
    phone: str = ""
    address: str = ""

    def masked(self) -> "Applicant":
        return Applicant(mask_name(self.name), mask_id_number(self.id_number), mask_phone(self.phone),
                         mask_address(self.address))

    def __repr__(self) -> str:
        m = self.masked()
        return f"Applicant(name={m.name!r}, id_number={m.id_number!r}, phone={m.phone!r}, address={m.address!r})"

    __str__ = __repr__


# -- logging -------------------------------------------------------------------------------
PERSONAL_FIELDS: Final = frozenset({
    "name", "applicant", "applicant_name", "id_number", "applicant_id_number", "citizen_id", "cccd", "phone",
    "applicant_phone", "address", "applicant_address", "payload", "raw", "scanned",
})
REDACTED: Final = "[redacted]"


class PersonalDataFilter(logging.Filter):
    """Scrubs records: digit runs masked in the message and traceback, personal `extra` fields blanked.

    Attach it to handlers (`install_log_filter()`), so records of every logger pass through it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not break logging
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        for attr in PERSONAL_FIELDS & set(vars(record)):
            setattr(record, attr, REDACTED)
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_log_filter(logger: logging.Logger | None = None) -> PersonalDataFilter:
    """Adds one PersonalDataFilter to every handler of logger (default: root). Idempotent."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        existing = [f for f in handler.filters if isinstance(f, PersonalDataFilter)]
        if not existing:
            handler.addFilter(PersonalDataFilter())
    dossier_logger = logging.getLogger("kiosk.dossier")
    found = [f for f in dossier_logger.filters if isinstance(f, PersonalDataFilter)]
    if found:
        return found[0]
    flt = PersonalDataFilter()
    dossier_logger.addFilter(flt)
    return flt


def get_logger(name: str) -> logging.Logger:
    """A logger for dossier code whose own records are always scrubbed, handlers or not."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, PersonalDataFilter) for f in logger.filters):
        logger.addFilter(PersonalDataFilter())
    return logger
