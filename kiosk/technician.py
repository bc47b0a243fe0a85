"""Technician access: a PIN stored hashed (scrypt), a lockout that grows with each wrong PIN
and survives restarts, and an audit event for every entry, failure and change."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from typing import Any

from sqlalchemy.orm import Session

from kiosk.contract.events import Event, iso
from kiosk.contract.wire import Audit
from kiosk.domain.clock import Clock, system_clock
from kiosk.outbox import add_event
from kiosk.storage import Database
from kiosk.sync import state

FREE_ATTEMPTS = 3            # wrong PINs before the first lock
FIRST_LOCK_S = 30            # then 30 s, 60 s, 120 s ... up to MAX_LOCK_S
MAX_LOCK_S = 3600
# Exit code of a device app asking to be started again (new enrolment or devices, factory
# reset): screens.cli re-executes itself; under systemd, Restart=always would too.
RESTART_EXIT = 75
_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}


class PinRefused(Exception):
    """str() is shown to the technician: wrong PIN (attempts left), locked (until when), no PIN."""

    def __init__(self, reason: str, message: str, locked_until: dt.datetime | None = None) -> None:
        super().__init__(message)
        self.reason = reason  # wrong | locked | not_set | weak
        self.locked_until = locked_until


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, **_SCRYPT, dklen=32)
    return f"scrypt${_SCRYPT['n']}${salt.hex()}${digest.hex()}"


def _matches(pin: str, stored: str) -> bool:
    try:
        _, n, salt, digest = stored.split("$")
        candidate = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=8, p=1, dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(candidate.hex(), digest)


def _validate_new(pin: str) -> None:
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        raise PinRefused("weak", "the PIN must be 4 to 12 digits")
    if len(set(pin)) == 1 or pin in "0123456789012" or pin in "9876543210987":
        raise PinRefused("weak", "the PIN is too easy to guess (repeated or consecutive digits)")


class TechnicianAccess:
    def __init__(self, db: Database, *, clock: Clock = system_clock) -> None:
        self.db = db
        self.clock = clock

    def is_set(self) -> bool:
        with self.db.transaction() as s:
            return bool(state.get(s, "technician.pin"))

    def set_pin(self, new_pin: str, *, current_pin: str | None = None, actor: str = "technician") -> None:
        _validate_new(new_pin)
        if self.is_set():
            if current_pin is None:
                raise PinRefused("wrong", "the current PIN is needed to change it")
            self.enter(current_pin, actor=actor)
        with self.db.transaction() as s:
            state.put(s, "technician.pin", hash_pin(new_pin))
            _audit(s, "technician.pin_changed", actor, self.clock())

    def locked_until(self) -> dt.datetime | None:
        with self.db.transaction() as s:
            value = state.get(s, "technician.locked_until")
        until = dt.datetime.fromisoformat(value) if value else None
        return until if until and until > self.clock() else None

    def enter(self, pin: str, *, actor: str = "technician") -> None:
        """Checks the PIN; raises PinRefused. Every outcome is an audit event."""
        now = self.clock()
        with self.db.transaction() as s:
            stored = state.get(s, "technician.pin")
            if not stored:
                raise PinRefused("not_set", "no technician PIN is set on this device: set one with "
                                            "`kiosk provision set-pin`")
            locked = state.get(s, "technician.locked_until")
            refused_until = dt.datetime.fromisoformat(locked) if locked else None
            if refused_until is not None and refused_until > now:
                _audit(s, "technician.refused_locked", actor, now)
        if refused_until is not None and refused_until > now:  # raised after the commit: the audit stays
            raise PinRefused("locked", f"locked after wrong PINs; try again after {refused_until:%H:%M:%S} UTC",
                             refused_until)
        with self.db.transaction() as s:
            failures = int(state.get(s, "technician.failures", "0") or 0)
            if _matches(pin, stored):
                state.put(s, "technician.failures", "0")
                state.put(s, "technician.locked_until", "")
                _audit(s, "technician.entered", actor, now)
                return
            failures += 1
            state.put(s, "technician.failures", str(failures))
            _audit(s, "technician.wrong_pin", actor, now, failures=failures)
            if failures >= FREE_ATTEMPTS:
                lock_s = min(MAX_LOCK_S, FIRST_LOCK_S * 2 ** (failures - FREE_ATTEMPTS))
                until = now + dt.timedelta(seconds=lock_s)
                state.put(s, "technician.locked_until", iso(until))
                _audit(s, "technician.locked", actor, now, seconds=lock_s)
                message = f"wrong PIN; locked for {lock_s} s"
            else:
                until = None
                message = f"wrong PIN; {FREE_ATTEMPTS - failures} attempt(s) left before a lock"
        raise PinRefused("wrong", message, until)


def record_audit(db: Database, action: str, actor: str = "technician", **detail: Any) -> None:
    """An audit event (configuration change, self-test, reset...) for the central."""
    with db.transaction() as s:
        _audit(s, action, actor, system_clock(), **detail)


def _audit(session: Session, action: str, actor: str, at: dt.datetime, **detail: Any) -> None:
    add_event(session, Event(Audit(action=action, actor=actor, detail=json.loads(json.dumps(detail, default=str))),
                             occurred_at=at))
