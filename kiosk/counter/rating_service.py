"""Rating orchestration: one RatingMachine per counter (the pure rules, kiosk/counter/rating.py),
the evaluator prompted when a request opens, and every decision stored with its outbox event
in one SQLite transaction.

A Không hài lòng is stored at once (rating.recorded, reason null, reason_state "pending"); its
reason follows as rating.reason (answered or not), each durable alone: a power cut while the
reason is asked loses neither. At start, a reason still "pending" (the process died while
asking) is recorded as not answered.

Threading: every public method holds `_lock` (never across I/O other than one short SQLite
transaction); CounterRuntime calls them on its `ratings` worker.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections import Counter, deque
from typing import Any, Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.contract.config import RatingSettings
from kiosk.contract.events import Event
from kiosk.contract.wire import RatingReason, RatingRecorded, RatingRejectedPress
from kiosk.counter.rating import (
    Decision,
    Rated,
    RatingMachine,
    RatingRules,
    ReasonAsked,
    ReasonGiven,
    Rejected,
    ServedTicket,
)
from kiosk.domain.clock import Clock, system_clock
from kiosk.health import HealthReporter
from kiosk.outbox import add_event
from kiosk.ports import HealthSink, HealthState
from kiosk.storage import Database
from kiosk.storage.engine import StorageError
from kiosk.storage.ratings import Rating, RejectedPress

log = logging.getLogger(__name__)

Emit = Callable[[str, dict[str, Any]], None]


class RatingService:
    def __init__(self, db: Database, settings: RatingSettings, counters: Iterable[int], *, emit: Emit,
                 stats: Counter[str], clock: Clock = system_clock, monotonic: Callable[[], float] = time.monotonic,
                 prompt: Callable[[int], bool] | None = None, health: HealthSink | None = None) -> None:
        self.db = db
        self.rules = RatingRules.from_settings(settings)
        self.max_rejected_per_minute = settings.max_rejected_per_minute
        self.machines = {n: RatingMachine(n, self.rules) for n in counters}
        self.emit = emit
        self.stats = stats
        self.clock = clock
        self.monotonic = monotonic
        self.prompt = prompt  # counter -> sent "start rating" to its evaluator (kiosk.counter.panels.make_prompter)
        self._health = HealthReporter("ratings", health)
        self._lock = threading.Lock()
        self._rejections: dict[int, deque[float]] = {n: deque() for n in self.machines}
        self._recover_pending_reasons()

    def apply_settings(self, settings: RatingSettings) -> None:
        """A new configuration (reasons, keys, timeouts) for every counter, without a restart: a
        rating under way keeps its ticket, and a reason already asked may still be one it offered."""
        with self._lock:
            self.rules = RatingRules.from_settings(settings)
            self.max_rejected_per_minute = settings.max_rejected_per_minute
            for machine in self.machines.values():
                machine.rules = self.rules

    def request(self, ticket: ServedTicket) -> bool:
        """Open the rating request for a served ticket. False if the ticket already has a stored
        rating."""
        with self.db.transaction() as s:
            if s.scalar(select(Rating.id).where(Rating.ticket_id == ticket.ticket_id)) is not None:
                return False
        with self._lock:
            decisions = self.machines[ticket.counter].request(ticket, self.monotonic())
            self._store(decisions)
        sent = bool(self.prompt and self._safe_prompt(ticket.counter))
        self.emit("rating_requested", {"counter": ticket.counter, "ticket_id": ticket.ticket_id,
                                       "prompted": sent, "window_s": self.rules.window_s})
        return True

    def press(self, counter: int, key: int, device: str, now: float | None = None) -> list[Decision]:
        """An evaluator key (or a touch on a rating screen) for `counter`."""
        with self._lock:
            decisions = self.machines[counter].press(key, device, self.monotonic() if now is None else now)
            self._store(decisions)
        return decisions

    def choose_reason(self, counter: int, reason: str) -> list[Decision]:
        with self._lock:
            decisions = self.machines[counter].choose_reason(reason, self.monotonic())
            self._store(decisions)
        return decisions

    def decline_reason(self, counter: int) -> list[Decision]:
        """The citizen chose "Không muốn trả lời"."""
        with self._lock:
            decisions = self.machines[counter].decline(self.monotonic())
            self._store(decisions)
        return decisions

    def tick(self) -> list[Decision]:
        """Apply rating timeouts (a reason not given in time is recorded as not answered)."""
        now = self.monotonic()
        out: list[Decision] = []
        with self._lock:
            for m in self.machines.values():
                decisions = m.advance(now)
                if decisions:
                    self._store(decisions)
                    out.extend(decisions)
        return out

    def flush(self) -> None:
        """Shutdown: a reason still asked is recorded as not answered."""
        with self._lock:
            for m in self.machines.values():
                self._store(m.flush())

    # -- internals --------------------------------------------------------------------------
    def _safe_prompt(self, counter: int) -> bool:
        try:
            ok = bool(self.prompt(counter)) if self.prompt else False
        except Exception:
            log.exception("rating prompt failed for counter %s", counter)
            ok = False
        self.stats["prompts_sent" if ok else "prompts_failed"] += 1
        return ok

    def _throttled(self, counter: int, now: float) -> bool:
        window = self._rejections[counter]
        while window and now - window[0] >= 60:
            window.popleft()
        if len(window) >= self.max_rejected_per_minute:
            return True
        window.append(now)
        return False

    def _store(self, decisions: list[Decision]) -> None:
        """One transaction: the rating/rejected-press rows and their outbox events."""
        if not decisions:
            return
        now = self.clock()
        mono = self.monotonic()
        emitted: list[tuple[str, dict[str, Any]]] = []
        try:
            with self.db.transaction() as s:
                for d in decisions:
                    if isinstance(d, Rated):
                        emitted.append(self._store_rating(s, d, now))
                    elif isinstance(d, Rejected):
                        self.stats[f"rejected_{d.reason.value}"] += 1
                        if self._throttled(d.counter, mono):
                            self.stats["rejected_not_stored"] += 1
                            continue
                        s.add(RejectedPress(counter=d.counter, reason=d.reason.value, raw_key=d.raw_key,
                                            device=d.device, pressed_at=now))
                        add_event(s, Event(RatingRejectedPress(
                            counter=d.counter, reason=d.reason.value, raw_key=d.raw_key, device=d.device),
                            occurred_at=now))
                        emitted.append(("rejected_press", {"counter": d.counter, "reason": d.reason.value}))
                    elif isinstance(d, ReasonGiven):
                        given = self._store_reason(s, d.ticket.ticket_id, d.ticket.counter, d.reason, now)
                        if given is not None:
                            emitted.append(("reason_given", {**given, "cause": d.cause}))
                    elif isinstance(d, ReasonAsked):
                        emitted.append(("reason_asked", {"counter": d.ticket.counter, "ticket_id": d.ticket.ticket_id,
                                                         "choices": d.choices}))
        except StorageError as exc:
            self.stats["storage_errors"] += 1
            log.error("ratings not stored: %s", exc)
            self._health(HealthState.FAILED, str(exc))
            raise
        for kind, data in emitted:
            self.emit(kind, data)

    def _store_rating(self, s: Session, d: Rated, now: dt.datetime) -> tuple[str, dict[str, Any]]:
        t = d.ticket
        if s.scalar(select(Rating.id).where(Rating.ticket_id == t.ticket_id)) is not None:
            # rated before a restart (the machine forgot): never a second rating
            self.stats["duplicate_rating_dropped"] += 1
            return "duplicate_rating", {"counter": t.counter, "ticket_id": t.ticket_id}
        rating_id = str(uuid.uuid4())
        s.add(Rating(id=rating_id, ticket_id=t.ticket_id, counter=t.counter, officer=t.officer, level=d.level.value,
                     reason=d.reason, raw_key=d.raw_key, device=d.device, dossier_code=t.dossier_code, rated_at=now,
                     reason_state="pending" if d.reason_pending else None))
        add_event(s, Event(RatingRecorded(
            rating_id=rating_id, ticket_id=t.ticket_id, counter=t.counter, officer=t.officer, level=d.level.value,
            reason=d.reason, raw_key=d.raw_key, device=d.device, dossier_code=t.dossier_code,
            service_code=t.service_code or None), occurred_at=now))
        self.stats["ratings"] += 1
        return "rated", {"counter": t.counter, "ticket_id": t.ticket_id, "level": d.level.value,
                         "reason": d.reason, "rating_id": rating_id, "reason_pending": d.reason_pending}

    def _store_reason(self, s: Session, ticket_id: str, counter: int, reason: str | None,
                      now: dt.datetime) -> dict[str, Any] | None:
        """The reason (or none) of the stored rating whose reason is pending; None if none is."""
        row = s.scalar(select(Rating).where(Rating.ticket_id == ticket_id))
        if row is None or row.reason_state != "pending":
            return None
        row.reason, row.reason_state = reason, "answered" if reason is not None else "unanswered"
        add_event(s, Event(RatingReason(rating_id=row.id, counter=counter, answered=reason is not None,
                                        reason=reason, reason_code=reason), occurred_at=now))
        self.stats["reasons_answered" if reason is not None else "reasons_unanswered"] += 1
        return {"counter": counter, "ticket_id": ticket_id, "rating_id": row.id, "reason": reason,
                "answered": reason is not None}

    def _recover_pending_reasons(self) -> None:
        """A reason still asked when the process stopped (SIGKILL, power cut): not answered."""
        now = self.clock()
        with self.db.transaction() as s:
            for row in s.scalars(select(Rating).where(Rating.reason_state == "pending",
                                                      Rating.counter.in_(list(self.machines)))).all():
                self._store_reason(s, row.ticket_id, row.counter, None, now)
