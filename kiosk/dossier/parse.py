"""Classifying what a citizen scanned or typed at the dossier look-up (pure, no I/O).

`parse(payload)` returns exactly one of:

* `DossierCode` — a dossier code: agency code + received date + daily sequence, in one of the
  known formats (kiosk.contract.dossier.FORMATS, read the same way by the central).
* `DossierId` — an id taken from the query of an http(s) receipt link (`?id=12345`); the
  link is only parsed, NEVER opened.
* `TicketRef` — the product's own queue ticket QR (`KMC1:T:...`) of this centre.
* `Refused(reason)` — everything else, with a stable reason code. `refusal_message(reason)`
  is a fixed msgid to translate: the raw input is never echoed back (nor should it be logged).

`parse` never raises, whatever it is given.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from dataclasses import dataclass
from typing import Final, Iterable, Union
from urllib.parse import parse_qsl, unquote, urlsplit

from kiosk.contract.dossier import AGENCY_PATTERN, MAX_PAYLOAD, DossierCode, code_date, read_code
from kiosk.contract.ticket_page import ticket_of, token_in
from kiosk.i18n import N_

MAX_ID: Final = 64                # characters of an id taken from a link
DEFAULT_ALLOWED_HOSTS: Final = ("gov.vn",)  # receipt links must point under one of these domains

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060"), None)  # BOM, zero-width
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,15}:")

# Query keys (lower case, without '_' and '-') that carry a dossier code or an id.
CODE_KEYS: Final = frozenset({"mahoso", "mahs", "code", "dossiercode", "sohoso", "hosocode", "mahosoid", "ma"})
ID_KEYS: Final = frozenset({"id", "hosoid", "idhoso", "dossierid", "recordid"})

TICKET_PREFIX: Final = "KMC1:T:"


@dataclass(frozen=True)
class DossierId:
    id: str                   # an id from a receipt link's query, e.g. "12345"


@dataclass(frozen=True)
class TicketRef:
    centre: str
    day: dt.date | None       # None for the ticket page URL (its token names the ticket only)
    number: str               # the display number, e.g. "A012" ("" for the ticket page URL)
    ticket_id: str            # canonical UUID string (kiosk Ticket.id)


@dataclass(frozen=True)
class Refused:
    reason: str               # one of REFUSALS

    @property
    def message(self) -> str:
        return refusal_message(self.reason)


Parsed = Union[DossierCode, DossierId, TicketRef, Refused]

# reason code -> fixed English msgid (translated by the screen). Stable: screens and logs use the codes.
REFUSALS: Final[dict[str, str]] = {
    "empty": N_("Nothing was read. Please scan the code on your receipt again."),
    "too_long": N_("This is not a dossier receipt code. Please scan the QR code printed on your receipt."),
    "unreadable": N_("This code could not be read. Please scan the QR code or type the dossier code printed on your receipt."),
    "id_card": N_("This looks like a citizen ID card. Your ID card is not needed here: please scan the QR code on your dossier receipt instead."),
    "unknown_link": N_("This link is not a dossier receipt of a public service portal. Please scan the QR code printed on your receipt."),
    "invalid_code": N_("This dossier code is not valid. Please check the date and the numbers and type it again exactly as printed on your receipt."),
    "other_centre_ticket": N_("This queue ticket was issued by another centre. Please ask at the information desk."),
    "bad_ticket": N_("This queue ticket could not be read. Please ask at the information desk."),
    "unrecognised": N_("This is not a dossier code. The code is printed on your receipt, for example 000.00.12.H62-201105-0004."),
}


def refusal_message(reason: str) -> str:
    return REFUSALS.get(reason, REFUSALS["unrecognised"])


def _code(text: str) -> DossierCode | Refused | None:
    found = read_code(text)
    return Refused(found) if isinstance(found, str) else found


# -- links ---------------------------------------------------------------------------------
def _host_allowed(host: str, allowed: Iterable[str]) -> bool:
    host = host.rstrip(".").lower()
    for suffix in allowed:
        suffix = suffix.strip(".").lower()
        if suffix and (host == suffix or host.endswith("." + suffix)):
            return True
    return False


def _query_pairs(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query, keep_blank_values=False, max_num_fields=32)


def _link(text: str, allowed_hosts: Iterable[str]) -> Parsed:
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return Refused("unknown_link")
    if parts.scheme.lower() not in ("http", "https") or not host or parts.username or parts.password:
        return Refused("unknown_link")
    if not _host_allowed(host, allowed_hosts):
        return Refused("unknown_link")
    pairs: list[tuple[str, str]] = []
    try:
        pairs += _query_pairs(parts.query)
        fragment = parts.fragment
        pairs += _query_pairs(fragment.split("?", 1)[1] if "?" in fragment else fragment)
    except ValueError:  # too many fields
        return Refused("unknown_link")
    keyed = [(k.lower().replace("_", "").replace("-", ""), v.strip()) for k, v in pairs]
    for key, value in keyed:
        if key in CODE_KEYS and value:
            found = _code(value)
            if found is not None:
                return found
    for key, value in keyed:
        if key in ID_KEYS and _ID.fullmatch(value):
            return DossierId(value)
    for segment in reversed([s for s in parts.path.split("/") if s]):
        found = _code(unquote(segment))
        if isinstance(found, DossierCode):
            return found
    return Refused("unknown_link")


# -- tickets -------------------------------------------------------------------------------
def _ticket(text: str, centre_code: str | None) -> TicketRef | Refused:
    fields = text.split(":")
    if len(fields) != 6 or fields[0].upper() != "KMC1" or fields[1].upper() != "T":
        return Refused("bad_ticket")
    _, _, centre, day, number, hexid = fields
    date = code_date(day) if len(day) == 8 and day.isascii() and day.isdigit() else None
    if (date is None or not re.fullmatch(r"[A-Za-z0-9]{1,10}", number)
            or not re.fullmatch(r"[0-9a-fA-F]{32}", hexid) or not re.fullmatch(AGENCY_PATTERN, centre.upper())):
        return Refused("bad_ticket")
    if centre_code is not None and centre.upper() != centre_code.strip().upper():
        return Refused("other_centre_ticket")
    return TicketRef(centre.upper(), date, number.upper(), str(uuid.UUID(hex=hexid.lower())))


# -- entry point ---------------------------------------------------------------------------
def _unreadable(text: str) -> bool:
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            return True
    return False


def _looks_like_id_card(text: str) -> bool:
    # The chip ID card (CCCD) QR: "<12 digits>|<old 9-digit id>|<name>|<ddmmyyyy>|..."; or a bare ID number.
    return bool(re.match(r"[0-9]{12}\|", text) or re.fullmatch(r"[0-9]{9}|[0-9]{12}", text))


def parse(payload: str | bytes, *, centre_code: str | None = None,
          allowed_hosts: Iterable[str] = DEFAULT_ALLOWED_HOSTS, ticket_page: tuple[str, str] | None = None) -> Parsed:
    """Classifies a scanned or typed payload. Never raises; never returns the input in a refusal.

    centre_code: this centre's code, to refuse queue tickets of another centre (None: no check).
    allowed_hosts: domains whose receipt links are read (a host equal to or under one of them).
    ticket_page: (public URL, ticket key) of this centre: its tickets' QR is a page URL there
    (kiosk.contract.ticket_page); a token another key signed is another centre's ticket.
    """
    try:
        return _parse(payload, centre_code, tuple(allowed_hosts), ticket_page)
    except Exception:  # noqa: BLE001 - belt and braces: untrusted input must never crash the kiosk
        return Refused("unrecognised")


def _page_ticket(text: str, ticket_page: tuple[str, str] | None, centre_code: str | None) -> TicketRef | Refused | None:
    if ticket_page is None:
        return None
    public_url, key = ticket_page
    token = token_in(text, public_url)
    if token is None:
        return None
    ticket_id = ticket_of(token, key)
    if ticket_id is None:
        return Refused("other_centre_ticket")
    return TicketRef((centre_code or "").upper(), None, "", ticket_id)


def _parse(payload: str | bytes, centre_code: str | None, allowed_hosts: tuple[str, ...],
           ticket_page: tuple[str, str] | None = None) -> Parsed:
    if isinstance(payload, (bytes, bytearray, memoryview)):
        if len(payload) > MAX_PAYLOAD * 4:
            return Refused("too_long")
        try:
            payload = bytes(payload).decode("utf-8")
        except UnicodeDecodeError:
            return Refused("unreadable")
    if not isinstance(payload, str):
        return Refused("unreadable")
    if len(payload) > MAX_PAYLOAD:
        return Refused("too_long")
    text = payload.translate(_INVISIBLE).strip()  # scanners end with CR/LF; some start with a BOM
    if not text:
        return Refused("empty")
    if _unreadable(text):
        return Refused("unreadable")
    text = unicodedata.normalize("NFKC", text).strip()
    if len(text) > MAX_PAYLOAD:  # NFKC can expand
        return Refused("too_long")
    if text[:len(TICKET_PREFIX)].upper() == TICKET_PREFIX:
        return _ticket(text, centre_code)
    scheme = _SCHEME.match(text)
    if scheme is not None:
        name = scheme.group(0)[:-1].lower()
        if name in ("http", "https"):
            return _page_ticket(text, ticket_page, centre_code) or _link(text, allowed_hosts)
        if text[scheme.end():].startswith("//") or name in ("mailto", "tel", "sms", "file", "javascript", "data"):
            return Refused("unknown_link")
    if _looks_like_id_card(text):
        return Refused("id_card")
    found = _code(text)
    return found if found is not None else Refused("unrecognised")
