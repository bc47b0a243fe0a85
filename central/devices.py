"""Devices, one-time enrolment codes and bearer tokens (device and admin), all stored hashed."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, cast

from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, CursorResult, ForeignKey, String, UniqueConstraint, event, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from central.centres import CentreRow, doc_of
from central.db import Base, Database, utc_now
from kiosk.contract.numbering import free_index

ROLES = ("lobby", "counter", "display", "rating")
BOUND_ROLES = ("counter", "rating")  # roles bound to counters (central.trust)
# Crockford-like alphabet: no 0/O/1/I/L to misread when typed from a sticker or screen.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


class Device(Base):
    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("centre_id", "device_index"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    # Lobby kiosks only (1..numbering.max_devices): picks the offline fallback block.
    device_index: Mapped[int | None]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    enrolled_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    # Latest report, kept on the row so the fleet view is one query.
    last_batch_at: Mapped[dt.datetime | None]
    last_skew_ms: Mapped[int | None] = mapped_column(BigInteger)  # a clock years off does not fit 32 bits
    last_heartbeat_at: Mapped[dt.datetime | None]
    version: Mapped[str | None] = mapped_column(String(64))
    uptime_s: Mapped[float | None]
    disk_free_bytes: Mapped[int | None] = mapped_column(BigInteger)
    outbox_backlog: Mapped[int | None]
    dead_letters: Mapped[int | None]
    health: Mapped[dict[str, Any] | None]  # component -> {state, detail}, from the latest heartbeat
    counters: Mapped[list[Any] | None]     # counters bound at enrolment (central.trust)


class EnrolmentCode(Base):
    __tablename__ = "enrolment_codes"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    device_id: Mapped[str | None] = mapped_column(String(36))
    counters: Mapped[list[Any] | None]  # a counter device enrolled with it serves these


class AdminToken(Base):
    __tablename__ = "admin_tokens"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]


class EnrolError(Exception):
    """reason: unknown | expired | already_used; status: the HTTP status to answer with."""

    def __init__(self, reason: str, status: int, message: str) -> None:
        super().__init__(message)
        self.reason, self.status = reason, status


def create_enrolment_code(session: Session, centre: CentreRow, role: str, ttl: dt.timedelta,
                          now: dt.datetime | None = None,
                          counters: list[int] | None = None) -> tuple[str, EnrolmentCode]:
    """counters: for a counter device (or a rating terminal), the counters it will act and report for
    (central.trust)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if counters and role not in BOUND_ROLES:
        raise ValueError("only a counter device or a rating terminal is bound to counters")
    if counters and not all(1 <= n <= 999 for n in counters):
        raise ValueError("counter numbers are 1 to 999")
    if ttl <= dt.timedelta(0):
        raise ValueError("ttl must be positive")
    now = now or utc_now()
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    code = "-".join(raw[i:i + 4] for i in range(0, 12, 4))  # 60 bits, typeable: ABCD-EFGH-JKMN
    row = EnrolmentCode(code_hash=hash_token(normalise_code(code)), centre_id=centre.id, role=role,
                        created_at=now, expires_at=now + ttl, counters=sorted(set(counters)) if counters else None)
    session.add(row)
    session.flush()
    return code, row


def enrol(session: Session, code: str, device_name: str | None) -> tuple[Device, str, CentreRow]:
    """Spends the code and creates the device; returns (device, clear token, centre)."""
    now = utc_now()
    digest = hash_token(normalise_code(code))
    row = session.scalar(select(EnrolmentCode).where(EnrolmentCode.code_hash == digest))
    if row is None:
        raise EnrolError("unknown", 404, "unknown enrolment code (check the spelling, or ask for a new code)")
    # Conditional update: two devices racing for one code cannot both win.
    result = session.execute(
        update(EnrolmentCode)
        .where(EnrolmentCode.id == row.id, EnrolmentCode.used_at.is_(None), EnrolmentCode.expires_at > now)
        .values(used_at=now))
    spent = cast(CursorResult[Any], result).rowcount  # an UPDATE answers with a cursor result
    if spent != 1:
        session.refresh(row)
        if row.used_at is not None:
            raise EnrolError("already_used", 409, "this enrolment code was already used; ask for a new code")
        raise EnrolError("expired", 410, f"this enrolment code expired at {row.expires_at.isoformat()}; ask for a new code")
    # Lock the centre row so concurrent enrolments get distinct device indexes.
    centre = session.scalar(select(CentreRow).where(CentreRow.id == row.centre_id).with_for_update())
    assert centre is not None
    index = lobby_index(session, centre, now) if row.role == "lobby" else None
    token = new_token()
    device_id = str(uuid.uuid4())
    device = Device(id=device_id, centre_id=centre.id, role=row.role, device_index=index,
                    name=(device_name or f"{row.role}-{index or device_id[:8]}")[:100], token_hash=hash_token(token),
                    enrolled_at=now, counters=row.counters)
    session.add(device)
    row.device_id = device.id
    session.flush()
    return device, token, centre


def lobby_index(session: Session, centre: CentreRow, now: dt.datetime) -> int:
    """The index of a new lobby kiosk: the smallest one no active lobby holds. A revoked kiosk's
    index is free from the centre's next local day (its fallback numbers of the day it was
    revoked may still arrive), and is then taken from its row. Raises EnrolError when every
    index up to numbering.max_devices is in use."""
    doc = doc_of(centre)
    local = now.astimezone(ZoneInfo(doc.config.centre.timezone))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    holders = session.execute(select(Device.device_index, Device.revoked_at).where(
        Device.centre_id == centre.id, Device.device_index.is_not(None))).all()
    taken = {i for i, revoked in holders if i is not None and (revoked is None or revoked >= midnight)}
    index = free_index(taken, doc.numbering)
    if index is None:
        raise EnrolError("no_free_index", 409, f"all {doc.numbering.max_devices} lobby kiosk indexes of centre "
                         f"{centre.code} are in use: raise numbering.max_devices or revoke a kiosk")
    # The unique (centre, index) constraint: the former holder (revoked before today) lets go.
    session.execute(update(Device).where(Device.centre_id == centre.id, Device.device_index == index)
                    .values(device_index=None))
    return index


def lobby_count(session: Session, centre_id: int) -> int:
    """Active (not revoked) lobby kiosks of a centre."""
    return session.scalar(select(func.count()).select_from(Device).where(
        Device.centre_id == centre_id, Device.role == "lobby", Device.revoked_at.is_(None))) or 0


def authenticate_device(session: Session, token: str) -> Device | None:
    device = session.scalar(select(Device).where(Device.token_hash == hash_token(token)))
    return None if device is None or device.revoked_at is not None else device


@dataclass(frozen=True)
class Verified:
    """A device token found valid: who it belongs to."""
    device_id: str
    centre_id: int
    role: str


# Every device request checks its token. A token found valid is remembered for a minute so that
# a heartbeat, a config poll or a counter's call does not pay a transaction for it
# (docs/capacity.md). A revocation takes effect at once in the process that makes it; the others
# (workers, `kiosk central revoke`) are seen by the revocation check: once a REVOCATION_CHECK_S a
# request of each process reads how many devices are revoked and when the last was, and a change
# empties that process's cache. $KIOSK_CENTRAL_TOKEN_CACHE_S sets the cache time; 0 turns it off.
TOKEN_CACHE_S = float(os.environ.get("KIOSK_CENTRAL_TOKEN_CACHE_S", "60"))
REVOCATION_CHECK_S = 1.0
_CACHE_MAX = 50_000
_verified: dict[tuple[str, str], tuple[float, Verified]] = {}
_verified_lock = threading.Lock()
# per database: (monotonic time of the last revocation check, (revoked devices, last revoked_at))
_revocations: dict[str, tuple[float, tuple[Any, ...]]] = {}


def cached_device(db: Database, token: str) -> Verified | None:
    """The device of a token found valid less than TOKEN_CACHE_S ago, else None (ask
    verified_device). None too when the revocation check is due: that request makes it."""
    now = time.monotonic()
    checked = _revocations.get(db.url)
    if checked is None or now - checked[0] >= REVOCATION_CHECK_S:
        return None
    hit = _verified.get((db.url, hash_token(token)))
    return hit[1] if hit is not None and hit[0] > now else None


def _check_revocations(db: Database, session: Session, now: float) -> None:
    """Empties this process's cache of `db` when a device was revoked since the last check."""
    marker = tuple(session.execute(select(func.count(), func.max(Device.revoked_at))
                                   .where(Device.revoked_at.is_not(None))).one())
    with _verified_lock:
        previous = _revocations.get(db.url)
        if previous is not None and previous[1] != marker:
            for key in [k for k in _verified if k[0] == db.url]:
                del _verified[key]
        _revocations[db.url] = (now, marker)


def verified_device(db: Database, token: str) -> Verified | None:
    """The device of a bearer token, None when unknown or revoked (cached for TOKEN_CACHE_S)."""
    key = (db.url, hash_token(token))
    now = time.monotonic()
    checked = _revocations.get(db.url)
    due = checked is None or now - checked[0] >= REVOCATION_CHECK_S
    hit = _verified.get(key)
    if not due and hit is not None and hit[0] > now:
        return hit[1]
    with db.reading() as s:
        if due:
            _check_revocations(db, s, now)
            hit = _verified.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
        found = authenticate_device(s, token)
        verified = None if found is None else Verified(found.id, found.centre_id, found.role)
    with _verified_lock:
        if verified is None or TOKEN_CACHE_S <= 0:
            _verified.pop(key, None)
        else:
            if len(_verified) >= _CACHE_MAX:
                _verified.clear()  # bounded; refilled by the next requests
            _verified[key] = (now + TOKEN_CACHE_S, verified)
    return verified


def forget_device(device_id: str) -> None:
    """Drops a device's tokens from this process's cache (its next request is checked again)."""
    with _verified_lock:
        for key in [k for k, (_, v) in _verified.items() if v.device_id == device_id]:
            del _verified[key]


def revoke(session: Session, device_id: str) -> Device:
    device = session.get(Device, device_id)
    if device is None:
        raise LookupError(f"unknown device {device_id!r}")
    if device.revoked_at is None:
        device.revoked_at = utc_now()
    forget_device(device_id)
    # again once committed: a request checked between now and the commit saw it still valid
    event.listen(session, "after_commit", lambda _s: forget_device(device_id), once=True)
    return device


def ensure_admin_token(session: Session, token: str | None, label: str = "configured") -> str | None:
    """Registers token (idempotent; a revoked token stays revoked); with None, creates one only
    on the very first start (no admin token ever made, revoked ones included).

    Returns a newly generated clear token (to print once), else None.
    """
    if token:
        digest = hash_token(token)
        if session.scalar(select(AdminToken.id).where(AdminToken.token_hash == digest)) is None:
            session.add(AdminToken(token_hash=digest, label=label[:64], created_at=utc_now()))
        return None
    if session.scalar(select(AdminToken.id).limit(1)) is not None:
        return None
    fresh = new_token()
    session.add(AdminToken(token_hash=hash_token(fresh), label="generated", created_at=utc_now()))
    return fresh


def is_admin(session: Session, token: str) -> bool:
    return session.scalar(select(AdminToken.id).where(AdminToken.token_hash == hash_token(token),
                                                      AdminToken.revoked_at.is_(None))) is not None


def create_admin_token(session: Session, label: str) -> tuple[AdminToken, str]:
    """A new admin token; the clear token is returned once and stored only hashed."""
    token = new_token()
    row = AdminToken(token_hash=hash_token(token), label=label[:64], created_at=utc_now())
    session.add(row)
    session.flush()
    return row, token


def admin_tokens(session: Session) -> list[AdminToken]:
    return list(session.scalars(select(AdminToken).order_by(AdminToken.id)))


def revoke_admin_token(session: Session, token_id: int) -> AdminToken:
    row = session.get(AdminToken, token_id)
    if row is None:
        raise LookupError(f"no admin token #{token_id}")
    if row.revoked_at is None:
        if session.scalar(select(func.count()).select_from(AdminToken).where(
                AdminToken.revoked_at.is_(None), AdminToken.id != token_id)) == 0:
            raise ValueError("this is the last active admin token: create another one first (or rotate it)")
        row.revoked_at = utc_now()
    return row


def rotate_admin_token(session: Session, token_id: int) -> tuple[AdminToken, str]:
    """Replaces a token by a new one with the same label; the old one is revoked at once."""
    old = session.get(AdminToken, token_id)
    if old is None or old.revoked_at is not None:
        raise LookupError(f"no active admin token #{token_id}")
    row, token = create_admin_token(session, old.label)
    old.revoked_at = utc_now()
    return row, token
