"""The ticket's QR: the URL of its page on the central (`central.public_url` + `/t/<token>`).

The token is the ticket id and an HMAC of it under the centre's ticket key, so a kiosk makes it
offline and the central can tell a real, not-yet-synced ticket ("đang cập nhật") from a made-up
token (a plain page). It carries no personal data; revoking the key revokes its tokens.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import uuid

MAC_BYTES = 10      # 80 bits: not guessable, and the QR stays small
TOKEN_CHARS = 35    # base64url of 16 id bytes + MAC_BYTES, unpadded
PATH = "/t/"


def new_key() -> str:
    """A fresh ticket key (hex), kept by the central and given to the centre's kiosks."""
    return secrets.token_hex(32)


def _mac(key: str, raw_id: bytes) -> bytes:
    return hmac.new(bytes.fromhex(key), b"KMC-ticket-page|" + raw_id, hashlib.sha256).digest()[:MAC_BYTES]


def make_token(key: str, ticket_id: str) -> str:
    raw = uuid.UUID(ticket_id).bytes
    return base64.urlsafe_b64encode(raw + _mac(key, raw)).decode().rstrip("=")


def ticket_of(token: str, key: str) -> str | None:
    """The ticket id the token names, when it was made with this key (None otherwise)."""
    if len(token) != TOKEN_CHARS:
        return None
    try:
        blob = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if base64.urlsafe_b64encode(blob).decode().rstrip("=") != token:
        return None  # a non-canonical spelling (the last character's spare bits): not a token we made
    raw, mac = blob[:16], blob[16:]
    if len(mac) != MAC_BYTES or not hmac.compare_digest(mac, _mac(key, raw)):
        return None
    return str(uuid.UUID(bytes=raw))


def page_url(public_url: str, token: str) -> str:
    return public_url.rstrip("/") + PATH + token


def token_in(url: str, public_url: str) -> str | None:
    """The token of a ticket page URL on this public URL (scheme and case of the host ignored)."""
    def bare(u: str) -> str:
        return u.strip().split("://", 1)[-1].rstrip("/").lower()
    text = url.strip()
    base = bare(public_url) + PATH
    if not bare(text).startswith(base):
        return None
    token = text.split("://", 1)[-1][len(base):].split("?", 1)[0].rstrip("/")
    return token if len(token) == TOKEN_CHARS else None
