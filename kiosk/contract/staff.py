"""Officers' credentials as the counter and the central both read them: the staff card's QR and
the hashed PIN kept in the centre's configuration (officers[].pin_hash).

Staff card QR: `KMC1:O:<centre code>:<officer code>` (kiosk.contract.dossier reads the
receipts' QRs; this is the other thing a counter's scanner reads). A card names its centre, so a
card of another centre is told apart from a card that is not ours at all.

PIN hash: `pbkdf2_sha256$<iterations>$<salt, base64>$<hash, base64>` (hashlib, no extra
dependency). A PIN is 4 to 12 digits; the counter throttles wrong ones (kiosk.counter.officers).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import Final

CARD_PREFIX: Final = "KMC1:O:"
_CARD = re.compile(r"^KMC1:O:(?P<centre>[^:\x00-\x1f\x7f]{1,64}):(?P<officer>[^:\x00-\x1f\x7f]{1,64})$")
PIN_PATTERN: Final = re.compile(r"^[0-9]{4,12}$")
PIN_HASH_PATTERN: Final = r"^pbkdf2_sha256\$[0-9]{4,7}\$[A-Za-z0-9+/=]{8,64}\$[A-Za-z0-9+/=]{32,88}$"
ITERATIONS: Final = 120_000  # ~0.1 s on a kiosk's CPU: slow enough to guess, fast enough to sign in


@dataclass(frozen=True)
class StaffCard:
    centre: str
    officer: str


def card_payload(centre: str, officer: str) -> str:
    """The text a staff card's QR holds."""
    return f"{CARD_PREFIX}{centre}:{officer}"


def is_staff_card(text: str) -> bool:
    """Looks like a staff card (maybe a broken one): the scan is not a dossier code."""
    return unicodedata.normalize("NFKC", text).strip().upper().startswith(CARD_PREFIX)


def parse_staff_card(text: str) -> StaffCard | None:
    """The card's centre and officer; None when the text is not a well-formed staff card."""
    m = _CARD.match(unicodedata.normalize("NFKC", text).strip())
    if m is None:
        return None
    return StaffCard(m.group("centre"), m.group("officer"))


def hash_pin(pin: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    if not PIN_PATTERN.match(pin):
        raise ValueError("a PIN is 4 to 12 digits")
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_pin(pin: str, pin_hash: str) -> bool:
    """True when `pin` matches; False for a wrong PIN or an unusable hash (never raises)."""
    try:
        scheme, iterations, salt, digest = pin_hash.split("$")
        if scheme != "pbkdf2_sha256" or not PIN_PATTERN.match(pin):
            return False
        got = hashlib.pbkdf2_hmac("sha256", pin.encode(), base64.b64decode(salt), int(iterations))
        return hmac.compare_digest(got, base64.b64decode(digest))
    except (ValueError, TypeError):
        return False
