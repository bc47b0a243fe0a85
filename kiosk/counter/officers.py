"""Officers at the counters: sign-in by PIN or staff card, sign-out, break, moving between counters.

The counter decides locally (it works offline): who is signed in is a column of the counter's
durable state (CounterState.signed_in), each change is written with its `officer.session`
outbox event in one transaction, and the central checks on sync (central/officers.py).

Rules (docs/counter.md, "Officers"):
* Sign-in names a configured officer; a PIN is checked against officers[].pin_hash; a staff
  card (kiosk.contract.staff) must be of this centre. Wrong PINs are throttled per counter:
  after MAX_WRONG wrong PINs in a row, sign-in by PIN waits LOCK_S seconds (doubling each time).
* An officer signed in at another counter of this device is signed out there first (moving);
  a counter serving a ticket cannot change officer, sign out or go on break.
* A break pauses calling (CounterState.paused) until the officer resumes.
* When the centre does not require sign-in, the counter's configured officer serves when
  nobody signed in (the behaviour before sign-in existed).
"""
from __future__ import annotations

import datetime as dt
import threading
from typing import Any, Callable, Mapping

from sqlalchemy.orm import Session

from kiosk.contract.config import Config, Counter, Officer
from kiosk.contract.events import Event
from kiosk.contract.staff import parse_staff_card, verify_pin
from kiosk.contract.wire import OfficerAction, OfficerSession
from kiosk.counter.errors import CounterError
from kiosk.domain.clock import Clock
from kiosk.outbox import add_event
from kiosk.storage import Database
from kiosk.storage.counter import CounterState

MAX_WRONG = 5
LOCK_S = 60.0
MAX_LOCK_S = 3600.0

Emit = Callable[[str, dict[str, Any]], None]


class OfficerDesk:
    def __init__(self, db: Database, config: Config, counters: Mapping[int, Counter], *, emit: Emit,
                 clock: Clock, monotonic: Callable[[], float]) -> None:
        self.db, self.config, self.counters = db, config, counters
        self.emit, self.clock, self.monotonic = emit, clock, monotonic
        self._wrong: dict[int, int] = {}
        self._locked_until: dict[int, float] = {}
        self._lock_s: dict[int, float] = {}
        self._lock = threading.Lock()

    @property
    def required(self) -> bool:
        return self.config.centre.require_sign_in

    # -- queries ----------------------------------------------------------------------------
    def signed_in(self, counter: int) -> str | None:
        with self.db.transaction() as s:
            st = s.get(CounterState, counter)
            return st.signed_in if st else None

    def officer_of(self, counter: int) -> str | None:
        """Who serves at `counter` now: the signed-in officer, else (sign-in not required) the
        counter's configured officer."""
        signed = self.signed_in(counter)
        if signed is not None or self.required:
            return signed
        return self.counters[counter].officer

    def officer(self, code: str | None) -> Officer | None:
        return next((o for o in self.config.officers if o.code == code), None) if code else None

    def locked_for(self, counter: int) -> float:
        """Seconds until PIN sign-in is allowed again at `counter` (0: allowed)."""
        return max(0.0, self._locked_until.get(counter, 0.0) - self.monotonic())

    # -- actions (the caller holds the counter's action lock) --------------------------------
    def sign_in_pin(self, counter: int, officer_code: str, pin: str) -> Officer:
        with self._lock:
            wait = self.locked_for(counter)
            if wait > 0:
                raise CounterError("pin_locked", f"too many wrong PINs at counter {counter}: wait {wait:.0f} s")
            officer = self.officer(officer_code)
            if officer is None or not officer.pin_hash or not verify_pin(pin, officer.pin_hash):
                self._wrong_pin(counter)
                raise CounterError("wrong_pin", "wrong officer or PIN")
            self._wrong.pop(counter, None)
            self._lock_s.pop(counter, None)
        self._sign_in(counter, officer, "pin")
        return officer

    def sign_in_card(self, counter: int, scanned: str) -> Officer:
        card = parse_staff_card(scanned)
        if card is None:
            raise CounterError("bad_card", "not a staff card")
        if card.centre != self.config.centre.code:
            raise CounterError("other_centre", f"this staff card belongs to another centre ({card.centre})")
        officer = self.officer(card.officer)
        if officer is None:
            raise CounterError("unknown_officer", f"officer {card.officer!r} is not in this centre's configuration")
        self._sign_in(counter, officer, "card")
        return officer

    def sign_out(self, counter: int) -> None:
        with self.db.transaction() as s:
            st = self._state(s, counter)
            if st.signed_in is None:
                raise CounterError("not_signed_in", f"nobody is signed in at counter {counter}")
            self._not_serving(st)
            self._record(s, st, "sign_out", st.signed_in, "pin")
            st.signed_in, st.signed_in_at, st.paused = None, None, False
        self.emit("signed_out", {"counter": counter})

    def take_break(self, counter: int) -> None:
        self._set_break(counter, True)

    def end_break(self, counter: int) -> None:
        self._set_break(counter, False)

    def check_can_call(self, counter: int) -> None:
        if self.required and self.signed_in(counter) is None:
            raise CounterError("not_signed_in", f"counter {counter}: an officer must sign in before calling")

    # -- internals --------------------------------------------------------------------------
    def _wrong_pin(self, counter: int) -> None:
        self._wrong[counter] = self._wrong.get(counter, 0) + 1
        if self._wrong[counter] >= MAX_WRONG:
            lock = min(MAX_LOCK_S, self._lock_s.get(counter, LOCK_S / 2) * 2)
            self._lock_s[counter] = lock
            self._locked_until[counter] = self.monotonic() + lock
            self._wrong[counter] = 0

    def _state(self, s: Session, counter: int) -> CounterState:
        if counter not in self.counters:
            raise CounterError("unknown_counter", f"counter {counter} is not run by this device")
        st = s.get(CounterState, counter)
        if st is None:
            st = CounterState(counter=counter, paused=False, updated_at=self.clock())
            s.add(st)
            s.flush()
        return st

    @staticmethod
    def _not_serving(st: CounterState) -> None:
        if st.ticket_id is not None:
            raise CounterError("busy", f"counter {st.counter} is serving {st.display_number}: "
                                       "complete, skip or transfer it first")

    def _record(self, s: Session, st: CounterState, action: OfficerAction, officer: str, method: str,
                now: dt.datetime | None = None) -> None:
        now = now or self.clock()
        add_event(s, Event(OfficerSession(counter=st.counter, officer=officer, action=action,
                                          method="card" if method == "card" else "pin"), occurred_at=now))
        st.updated_at = now

    def _sign_in(self, counter: int, officer: Officer, method: str) -> None:
        moved_from: list[int] = []
        with self.db.transaction() as s:
            st = self._state(s, counter)
            if st.signed_in == officer.code:
                return
            self._not_serving(st)
            for other in self.counters:
                o = s.get(CounterState, other)
                if other != counter and o is not None and o.signed_in == officer.code:
                    self._not_serving(o)
                    self._record(s, o, "sign_out", officer.code, method)
                    o.signed_in, o.signed_in_at, o.paused = None, None, False
                    moved_from.append(other)
            if st.signed_in is not None:
                self._record(s, st, "sign_out", st.signed_in, method)
            now = self.clock()
            self._record(s, st, "sign_in", officer.code, method, now)
            st.signed_in, st.signed_in_at, st.paused = officer.code, now, False
        for other in moved_from:
            self.emit("signed_out", {"counter": other})
        self.emit("signed_in", {"counter": counter, "officer": officer.code, "name": officer.name, "method": method})

    def _set_break(self, counter: int, on_break: bool) -> None:
        with self.db.transaction() as s:
            st = self._state(s, counter)
            if st.signed_in is None:
                raise CounterError("not_signed_in", f"nobody is signed in at counter {counter}")
            if st.paused == on_break:
                return
            if on_break:
                self._not_serving(st)
            self._record(s, st, "break" if on_break else "resume", st.signed_in, "pin")
            st.paused = on_break
        self.emit("paused" if on_break else "resumed", {"counter": counter, "break": True})

