"""People: argon2id passwords, server-side sessions, CSRF, sign-in throttling and lockout, audit.

Only this module knows how a browser proves who it is. The device API (central/auth.py) reads
bearer tokens only and never looks at these cookies, and this module never reads a bearer token.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from central.centres import CentreRow
from central.db import utc_now
from central.web.models import PROVINCE_ADMIN, RANK, ROLES, AuditEntry, User, WebSession
from central.web.render import N_

SESSION_COOKIE = "kiosk_session"
LOGIN_CSRF_COOKIE = "kiosk_login_csrf"
SESSION_IDLE = dt.timedelta(hours=2)  # signed out after this long without a request
SESSION_MAX = dt.timedelta(hours=12)  # and after one working day in any case
LOCK_AFTER = 5  # wrong passwords in a row lock the account ...
LOCK_FOR = dt.timedelta(minutes=15)  # ... for this long
IP_FAILURES = 20  # failed sign-ins per address per window before every attempt from it waits
IP_WINDOW_S = 600.0
MIN_PASSWORD = 10

# argon2id with the RFC 9106 "low memory" profile (64 MiB, 3 passes): ~50 ms here.
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class WeakPassword(ValueError):
    pass


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise WeakPassword(f"password must have at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Viewer:
    """The signed-in person, as the pages see them (detached from the database session)."""
    user_id: int
    username: str
    display_name: str
    role: str
    centre_id: int | None
    csrf_token: str

    def at_least(self, role: str) -> bool:
        return RANK[self.role] >= RANK[role]

    def may_see(self, centre_id: int) -> bool:
        return self.role == PROVINCE_ADMIN or self.centre_id == centre_id


def create_user(session: Session, username: str, password: str, role: str, display_name: str = "",
                centre_code: str | None = None) -> User:
    """Raises ValueError (with a sentence to show) on bad input."""
    username = username.strip()
    if not username or len(username) > 64 or any(ch.isspace() for ch in username):
        raise ValueError("username: 1 to 64 characters, no spaces")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if len(display_name) > 200:
        raise ValueError("name: at most 200 characters")
    centre_id = None
    if role != PROVINCE_ADMIN:
        if not centre_code:
            raise ValueError("a centre manager or viewer belongs to a centre: give its code")
        centre = session.scalar(select(CentreRow).where(CentreRow.code == centre_code))
        if centre is None:
            raise ValueError(f"unknown centre {centre_code!r}")
        centre_id = centre.id
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValueError(f"user {username!r} already exists")
    user = User(username=username, display_name=display_name.strip() or username, role=role, centre_id=centre_id,
                password_hash=hash_password(password), failed_logins=0, created_at=utc_now())
    session.add(user)
    session.flush()
    return user


def audit(session: Session, who: Viewer | User | None, action: str, target: str = "",
          centre_id: int | None = None, **detail: Any) -> None:
    uid = who.user_id if isinstance(who, Viewer) else (who.id if who is not None else None)
    name = who.username if who is not None else "-"
    session.add(AuditEntry(at=utc_now(), user_id=uid, username=name, centre_id=centre_id, action=action,
                           target=target[:200], detail=detail))


class AddressThrottle:
    """Failed sign-ins per client address in a sliding window (in memory: one central process)."""

    def __init__(self, limit: int = IP_FAILURES, window_s: float = IP_WINDOW_S) -> None:
        self.limit, self.window_s = limit, window_s
        self._fails: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _trim(self, address: str, now: float) -> deque[float]:
        q = self._fails.setdefault(address, deque())
        while q and q[0] < now - self.window_s:
            q.popleft()
        return q

    def blocked_for(self, address: str) -> float:
        """Seconds until this address may try again (0: now)."""
        now = time.monotonic()
        with self._lock:
            q = self._trim(address, now)
            return q[0] + self.window_s - now if len(q) >= self.limit else 0.0

    def failed(self, address: str) -> None:
        with self._lock:
            self._trim(address, time.monotonic()).append(time.monotonic())
            if len(self._fails) > 10_000:  # bounded memory under a spray of addresses
                self._fails.pop(next(iter(self._fails)))


@dataclass(frozen=True)
class SignIn:
    token: str | None = None  # the new session's cookie value
    error: str | None = None  # msgid to show
    locked_until: dt.datetime | None = None


def sign_in(session: Session, username: str, password: str, now: dt.datetime | None = None) -> SignIn:
    now = now or utc_now()
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or user.disabled_at is not None:
        _verify(_DUMMY_HASH, password)  # same time as a real check: no user enumeration by timing
        return SignIn(error=N_("Wrong username or password."))
    if user.locked_until is not None and user.locked_until > now:
        return SignIn(error=N_("This account is locked after too many wrong passwords."), locked_until=user.locked_until)
    if not _verify(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= LOCK_AFTER:
            user.failed_logins, user.locked_until = 0, now + LOCK_FOR
            audit(session, user, "user.locked", user.username, user.centre_id)
            return SignIn(error=N_("This account is locked after too many wrong passwords."),
                          locked_until=user.locked_until)
        return SignIn(error=N_("Wrong username or password."))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    token = secrets.token_urlsafe(32)
    session.add(WebSession(token_hash=_digest(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32),
                           created_at=now, last_seen_at=now, expires_at=now + SESSION_MAX))
    session.execute(delete(WebSession).where(WebSession.expires_at < now))  # housekeeping
    audit(session, user, "user.signed_in", user.username, user.centre_id)
    return SignIn(token=token)


def resolve(session: Session, token: str | None, now: dt.datetime | None = None) -> Viewer | None:
    """The person behind a session cookie, or None (unknown, expired, idle too long, disabled)."""
    if not token:
        return None
    now = now or utc_now()
    row = session.get(WebSession, _digest(token))
    if row is None or row.expires_at <= now or row.last_seen_at + SESSION_IDLE <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or user.disabled_at is not None:
        return None
    if now - row.last_seen_at > dt.timedelta(minutes=1):  # not a write on every poll of the monitor
        row.last_seen_at = now
    return Viewer(user.id, user.username, user.display_name, user.role, user.centre_id, row.csrf_token)


def sign_out(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(WebSession).where(WebSession.token_hash == _digest(token)))


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))
