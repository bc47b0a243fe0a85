"""The counter role's service layer: one ticket at a time per counter, actions through the
central (online) or recorded as outbox events (offline), ratings after each completed service.

CounterService does the counter actions itself and is the one object its callers hold; the
rating orchestration is `self.ratings` (rating_service.RatingService) and the officer's caller
keypad `self.keypad` (keypad.CallerKeypad). All three report to `listeners` and count in `stats`.

Threading: every public method is synchronous and thread-safe. Counter actions (which may wait
on HTTP) hold `_action_lock`; rating decisions hold the rating service's lock (never across I/O
other than one short SQLite transaction). `kiosk.counter.runtime.CounterRuntime` feeds panel
presses from the port threads to workers so the port threads never wait.

Online vs offline (docs/counter.md, "Offline"):
* A ticket called through the central (`source="central"`): the central records ticket.called /
  served / no_show / transferred itself, so nothing goes to the outbox, unless the central is
  unreachable for a later action: then that action is recorded as its outbox event.
* A typed call (`call_typed`, for when the central is unreachable): the ticket id comes from
  the cached queue (refresh_queue); ticket.called and every later action of that ticket go
  to the outbox and reconcile at the central when the outbox is delivered.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kiosk.contract.config import Config, RatingSettings
from kiosk.contract.events import Event
from kiosk.contract.dossier import DossierCode
from kiosk.contract.staff import is_staff_card
from kiosk.contract.wire import (
    Audit,
    Payload,
    TicketCalled,
    TicketDossierLinked,
    TicketNoShow,
    TicketServed,
    TicketTransferred,
)
from kiosk.counter.announce import Announcement, call_announcement
from kiosk.counter.client import CounterClient
from kiosk.counter.errors import CounterError, CounterOffline
from kiosk.counter.keypad import CallerKeypad
from kiosk.counter.officers import OfficerDesk
from kiosk.counter.panels import PanelMap, Route
from kiosk.counter.rating import Decision, RatingMachine, RatingRules, ServedTicket
from kiosk.counter.rating_service import RatingService
from kiosk.domain.clock import Clock, local_day, system_clock
from kiosk.dossier.parse import parse as parse_scan
from kiosk.i18n import Translator
from kiosk.outbox import add_event
from kiosk.ports import HealthSink, PanelPress
from kiosk.storage import Database
from kiosk.storage.counter import CounterState, QueueEntry
from kiosk.storage.dossiers import DossierLink
from kiosk.sync.client import CentralRejected, CentralUnavailable
from kiosk.ticketing import display_number as format_display_number

log = logging.getLogger(__name__)

_TYPED = re.compile(r"^([A-Z]{0,2})(\d{1,5})$")
MAX_DOSSIERS = 20  # dossiers linked to one ticket (a family's several procedures, not a scanner stuck)

Listener = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class CurrentTicket:
    counter: int
    ticket_id: str
    display_number: str
    service_code: str | None
    officer: str | None
    source: str  # "central" | "offline"
    called_at: dt.datetime


def _rating_settings(config: Config) -> RatingSettings:
    """The counter's rating settings with the reasons for Không hài lòng: the centre's list when it
    has one (Config.reason_codes)."""
    return config.counter.rating.model_copy(update={"reason_codes": list(config.reason_codes())})


class CounterService:
    def __init__(self, db: Database, config: Config, *, client: CounterClient | None = None,
                 translator: Translator | None = None, clock: Clock = system_clock,
                 monotonic: Callable[[], float] = time.monotonic,
                 prompt: Callable[[int], bool] | None = None,
                 announce: Callable[[Announcement], None] | None = None,
                 health: HealthSink | None = None, counters: Iterable[int] | None = None) -> None:
        self.db = db
        self.config = config
        self.client = client
        self.translator = translator or Translator(config.device.language)
        self.clock = clock
        self.monotonic = monotonic
        self.announce = announce
        configured = {c.number: c for c in config.counters}
        wanted = list(counters if counters is not None else (config.counter.counters or configured))
        unknown = [n for n in wanted if n not in configured]
        if unknown:
            raise CounterError("unknown_counter", f"counters {unknown} are not in the centre's [[counters]]")
        self.counters = {n: configured[n] for n in wanted}
        self.panels = PanelMap(config.counter, self.counters)
        self.listeners: list[Listener] = []
        self.stats: Counter[str] = Counter()  # shared with the ratings and the keypad
        self.ratings = RatingService(db, _rating_settings(config), self.counters, emit=self._emit, stats=self.stats,
                                     clock=clock, monotonic=monotonic, prompt=prompt, health=health)
        self.keypad = CallerKeypad(self, self.counters, config.services, emit=self._emit, stats=self.stats)
        self.officers = OfficerDesk(db, config, self.counters, emit=self._emit, clock=clock, monotonic=monotonic)
        self._tz = ZoneInfo(config.centre.timezone)
        self._action_lock = threading.RLock()

    def apply_config(self, config: Config) -> None:
        """A new centre configuration, without a restart: the counters' services and officers, the
        officers' PINs and sign-in rule, the rating reasons and keys. The counters this device runs
        stay (a restart changes them)."""
        configured = {c.number: c for c in config.counters}
        self.config = config
        self.counters = {n: configured.get(n, current) for n, current in self.counters.items()}
        self.officers.config, self.officers.counters = config, self.counters
        self.ratings.apply_settings(_rating_settings(config))

    # -- queries ----------------------------------------------------------------------------
    def current(self, counter: int) -> CurrentTicket | None:
        self._check(counter)
        with self.db.transaction() as s:
            st = s.get(CounterState, counter)
            if st is None or st.ticket_id is None:
                return None
            return CurrentTicket(counter, st.ticket_id, st.display_number or "", st.service_code, st.officer,
                                 st.source or "central", st.called_at or self.clock())

    def is_paused(self, counter: int) -> bool:
        self._check(counter)
        with self.db.transaction() as s:
            st = s.get(CounterState, counter)
            return bool(st and st.paused)

    # -- counter actions --------------------------------------------------------------------
    def call_next(self, counter: int) -> CurrentTicket | None:
        """Ask the central for the counter's next ticket; None when nobody waits."""
        with self._action_lock:
            self._ready_to_call(counter)
            if self.client is None:
                raise CounterOffline("no_central", "no central configured: type the number to call")
            officer = self.officers.officer_of(counter)
            try:
                t = self.client.call_next(counter, officer)
            except CentralUnavailable as exc:
                raise CounterOffline("offline", f"central unreachable ({exc}): type the number to call") from None
            except CentralRejected as exc:
                raise CounterError("refused", f"the central refused: {exc.reason}") from None
            if t is None:
                self._emit("queue_empty", {"counter": counter})
                return None
            cur = CurrentTicket(counter, str(t["ticket_id"]), str(t.get("display_number") or "?"),
                                t.get("service_code"), officer or t.get("officer"), "central", self.clock())
            with self.db.transaction() as s:
                self._set_current(s, cur)
                s.execute(delete(QueueEntry).where(QueueEntry.ticket_id == cur.ticket_id))
            self._called(cur, "called")
            return cur

    def call_typed(self, counter: int, typed: str) -> CurrentTicket:
        """Offline calling: the officer types the number on the citizen's ticket ("A023" or
        "23"). Recorded as a ticket.called outbox event; reconciled when delivered."""
        with self._action_lock:
            self._ready_to_call(counter)
            now = self.clock()
            day = local_day(now, self._tz)
            ticket_id, display, service = self._resolve_typed(counter, typed, day)
            officer = self.officers.officer_of(counter)
            cur = CurrentTicket(counter, ticket_id, display, service, officer, "offline", now)
            with self.db.transaction() as s:
                self._set_current(s, cur)
                s.execute(delete(QueueEntry).where(QueueEntry.ticket_id == ticket_id))
                add_event(s, Event(TicketCalled(
                    ticket_id=ticket_id, counter=counter, officer=officer, display_number=display,
                    day=day, service_code=service, typed=True), occurred_at=now))
            self._called(cur, "called")
            return cur

    def recall(self, counter: int) -> CurrentTicket:
        with self._action_lock:
            cur = self._require_current(counter)
            self._act(cur, "recall", lambda: self.client.recall(counter, cur.officer) if self.client else None,
                      TicketCalled(ticket_id=cur.ticket_id, counter=counter, officer=cur.officer), clear=False)
            self._called(cur, "recalled")
            return cur

    def no_show(self, counter: int) -> CurrentTicket:
        with self._action_lock:
            cur = self._require_current(counter)
            self._act(cur, "no_show", lambda: self.client.no_show(counter, cur.officer) if self.client else None,
                      TicketNoShow(ticket_id=cur.ticket_id, counter=counter, officer=cur.officer), clear=True)
            self._emit("no_show", {"counter": counter, "ticket_id": cur.ticket_id, "display_number": cur.display_number})
            return cur

    def transfer(self, counter: int, to_service_code: str) -> CurrentTicket:
        with self._action_lock:
            cur = self._require_current(counter)
            codes = [s.code for s in self.config.services]
            if to_service_code not in codes:
                raise CounterError("unknown_service", f"unknown service {to_service_code!r}")
            if to_service_code == cur.service_code:
                raise CounterError("same_service", f"{cur.display_number} is already in service {to_service_code}")
            self._act(cur, "transfer",
                      lambda: self.client.transfer(counter, to_service_code, cur.officer) if self.client else None,
                      TicketTransferred(ticket_id=cur.ticket_id, counter=counter, to_service_code=to_service_code),
                      clear=True)
            self._emit("transferred", {"counter": counter, "ticket_id": cur.ticket_id,
                                       "display_number": cur.display_number, "to_service_code": to_service_code})
            return cur

    def complete(self, counter: int, dossier_code: str | None = None) -> CurrentTicket:
        """The service is done: the ticket is served and the citizen is asked for a rating (about
        the first dossier linked, unless `dossier_code` names one)."""
        with self._action_lock:
            cur = self._require_current(counter)
            dossier_code = dossier_code or next(iter(self.linked_dossiers(counter)), None)
            now = self.clock()
            self._act(cur, "complete", lambda: self.client.complete(counter, cur.officer) if self.client else None,
                      TicketServed(ticket_id=cur.ticket_id, counter=counter, officer=cur.officer,
                                   started_at=cur.called_at, completed_at=now), clear=True)
            self._emit("completed", {"counter": counter, "ticket_id": cur.ticket_id,
                                     "display_number": cur.display_number})
            self.ratings.request(ServedTicket(cur.ticket_id, counter, cur.officer, dossier_code or None,
                                              cur.service_code))
            return cur

    # -- dossiers served (issue 14) ------------------------------------------------------------
    def link_dossier(self, counter: int, scanned: str | bytes) -> tuple[str, bool]:
        """The officer scanned a receipt's QR (or typed its code) while serving: the dossier is
        linked to the ticket, durably, with its ticket.dossier_linked outbox event. Returns
        (code, new); scanning the same dossier again is not an error (new=False)."""
        with self._action_lock:
            cur = self._require_current(counter)
            parsed = parse_scan(scanned)
            if not isinstance(parsed, DossierCode):
                reason = getattr(parsed, "reason", "link_without_code")
                raise CounterError("not_a_dossier", f"not a dossier code ({reason})")
            if parsed.agency != self.config.centre.code:
                raise CounterError("other_agency", f"dossier {parsed.code} was received by another agency "
                                                   f"({parsed.agency}), not {self.config.centre.code}")
            now = self.clock()
            with self.db.transaction() as s:
                linked = list(s.scalars(select(DossierLink.dossier_code).where(
                    DossierLink.ticket_id == cur.ticket_id)))
                if parsed.code in linked:
                    return parsed.code, False
                if len(linked) >= MAX_DOSSIERS:
                    raise CounterError("too_many_dossiers", f"{MAX_DOSSIERS} dossiers are linked to this ticket already")
                s.add(DossierLink(ticket_id=cur.ticket_id, counter=counter, officer=cur.officer,
                                  dossier_code=parsed.code, linked_at=now))
                add_event(s, Event(TicketDossierLinked(ticket_id=cur.ticket_id, counter=counter, officer=cur.officer,
                                                       dossier_code=parsed.code), occurred_at=now))
            self.stats["dossiers_linked"] += 1
            self._emit("dossier_linked", {"counter": counter, "ticket_id": cur.ticket_id, "dossier_code": parsed.code,
                                          "linked": [*linked, parsed.code]})
            return parsed.code, True

    def linked_dossiers(self, counter: int) -> list[str]:
        """The dossiers linked to the ticket `counter` serves now, in the order scanned."""
        cur = self.current(counter)
        if cur is None:
            return []
        with self.db.transaction() as s:
            return list(s.scalars(select(DossierLink.dossier_code).where(DossierLink.ticket_id == cur.ticket_id)
                                  .order_by(DossierLink.id)))

    def on_scan(self, counter: int, scanned: str | bytes) -> str:
        """What the counter's scanner read: a staff card signs its officer in ("signed_in"); a
        receipt while serving links its dossier ("linked" / "again")."""
        text = scanned.decode("utf-8", "replace") if isinstance(scanned, bytes) else scanned
        if is_staff_card(text):
            self.sign_in_card(counter, text)
            return "signed_in"
        return "linked" if self.link_dossier(counter, scanned)[1] else "again"

    def pause(self, counter: int) -> None:
        with self._action_lock:
            if self.current(counter) is not None:
                raise CounterError("busy", "complete, skip or transfer the current ticket before pausing")
            self._set_paused(counter, True)

    def resume(self, counter: int) -> None:
        with self._action_lock:
            self._set_paused(counter, False)

    # -- officers (kiosk/counter/officers.py) -------------------------------------------------
    def sign_in_pin(self, counter: int, officer: str, pin: str) -> None:
        self._check(counter)
        with self._action_lock:
            self.officers.sign_in_pin(counter, officer, pin)

    def sign_in_card(self, counter: int, scanned: str) -> None:
        """A staff card's QR read by the counter's scanner."""
        self._check(counter)
        with self._action_lock:
            self.officers.sign_in_card(counter, scanned)

    def sign_out(self, counter: int) -> None:
        self._check(counter)
        with self._action_lock:
            self.officers.sign_out(counter)

    def take_break(self, counter: int) -> None:
        """The officer's break: calling is paused until end_break."""
        self._check(counter)
        with self._action_lock:
            self.officers.take_break(counter)

    def end_break(self, counter: int) -> None:
        self._check(counter)
        with self._action_lock:
            self.officers.end_break(counter)

    def officer_of(self, counter: int) -> str | None:
        """The officer serving at `counter` now (signed in, or the configured one)."""
        self._check(counter)
        return self.officers.officer_of(counter)

    def refresh_queue(self) -> int:
        """Cache the waiting tickets of this device's services (for typed calls offline)."""
        if self.client is None:
            return 0
        now = self.clock()
        day = local_day(now, self._tz)
        services = sorted({code for c in self.counters.values() for code in c.services})
        fetched: dict[str, list[dict[str, Any]]] = {}
        for code in services:
            fetched[code] = self.client.queue(code, day)["waiting"]
        with self.db.transaction() as s:
            s.execute(delete(QueueEntry).where(QueueEntry.day != day))
            for code, waiting in fetched.items():
                s.execute(delete(QueueEntry).where(QueueEntry.service_code == code))
                for t in waiting:
                    if t.get("ticket_id") and t.get("display_number"):
                        s.merge(QueueEntry(ticket_id=str(t["ticket_id"]), day=day, service_code=code,
                                           display_number=str(t["display_number"]), fetched_at=now))
        return sum(len(w) for w in fetched.values())

    # -- ratings (kiosk/counter/rating_service.py) and the caller keypad (keypad.py) -------------
    @property
    def prompt(self) -> Callable[[int], bool] | None:
        """counter -> "start rating" sent to its evaluator (kiosk.counter.panels.make_prompter)."""
        return self.ratings.prompt

    @prompt.setter
    def prompt(self, prompt: Callable[[int], bool] | None) -> None:
        self.ratings.prompt = prompt

    @property
    def rules(self) -> RatingRules:
        return self.ratings.rules

    @property
    def machines(self) -> dict[int, RatingMachine]:
        return self.ratings.machines

    def request_rating(self, ticket: ServedTicket) -> bool:
        """Open the rating request for a served ticket (complete() does it). False if the
        ticket already has a stored rating."""
        self._check(ticket.counter)
        return self.ratings.request(ticket)

    def rate_press(self, counter: int, key: int, device: str, now: float | None = None) -> list[Decision]:
        """An evaluator key (or a touch on a rating screen) for `counter`."""
        self._check(counter)
        return self.ratings.press(counter, key, device, now)

    def choose_reason(self, counter: int, reason: str) -> list[Decision]:
        self._check(counter)
        return self.ratings.choose_reason(counter, reason)

    def decline_reason(self, counter: int) -> list[Decision]:
        """The citizen chose "Không muốn trả lời" on the reason screen."""
        self._check(counter)
        return self.ratings.decline_reason(counter)

    def tick(self) -> list[Decision]:
        """Apply rating timeouts (a reason not given in time is recorded as not answered)."""
        return self.ratings.tick()

    def flush_ratings(self) -> None:
        """Shutdown: a reason still asked is recorded as not answered."""
        self.ratings.flush()

    def route(self, press: PanelPress) -> Route | None:
        """The counter of a panel press; None (counted) for a port/address nobody configured."""
        route = self.panels.route(press)
        if route is None:
            self.stats["unmapped_presses"] += 1
        return route

    def caller_key(self, counter: int, key: int) -> None:
        """An officer's caller keypad key; errors are reported to listeners, not raised."""
        self.keypad.key(counter, key)

    def typed(self, counter: int) -> str:
        """The digits typed on `counter`'s keypad so far."""
        return self.keypad.typed(counter)

    def notify(self, kind: str, data: dict[str, Any]) -> None:
        """Report to the listeners what happened elsewhere (a rating terminal: the counter served)."""
        self._emit(kind, data)

    # -- internals --------------------------------------------------------------------------
    def _check(self, counter: int) -> None:
        if counter not in self.counters:
            raise CounterError("unknown_counter", f"counter {counter} is not run by this device")

    def _ready_to_call(self, counter: int) -> None:
        self._check(counter)
        self.officers.check_can_call(counter)
        with self.db.transaction() as s:
            st = s.get(CounterState, counter)
        if st is not None and st.paused:
            raise CounterError("paused", f"counter {counter} is paused")
        if st is not None and st.ticket_id is not None:
            raise CounterError("busy", f"counter {counter} is serving {st.display_number}: "
                                       "complete, skip or transfer it first")

    def _require_current(self, counter: int) -> CurrentTicket:
        cur = self.current(counter)
        if cur is None:
            raise CounterError("idle", f"counter {counter} is not serving any ticket")
        return cur

    def _resolve_typed(self, counter: int, typed: str, day: str) -> tuple[str, str, str | None]:
        text = typed.strip().upper().replace(" ", "")
        m = _TYPED.match(text)
        if m is None:
            raise CounterError("bad_number", f"not a ticket number: {typed!r}")
        services = [self.config.service(code) for code in self.counters[counter].services]
        if m.group(1):
            candidates = {text: next((s.code for s in services if s.prefix == m.group(1)), None)}
        else:
            n = int(m.group(2))
            candidates = {format_display_number(s, n): s.code for s in services if n <= s.max_number}
        with self.db.transaction() as s:
            rows = s.scalars(select(QueueEntry).where(QueueEntry.day == day,
                                                      QueueEntry.display_number.in_(list(candidates)))).all()
        if len(rows) == 1:
            return rows[0].ticket_id, rows[0].display_number, rows[0].service_code
        if len(rows) > 1 or len(candidates) != 1:
            raise CounterError("ambiguous", f"{typed!r} matches {sorted(candidates)}: type the letter too")
        (display, service), = candidates.items()
        # Not in the cached queue: an id of our own; the central keeps it as a separate ticket
        # (docs/counter.md, "Offline": what reconciles and what does not).
        return f"typed-{uuid.uuid4()}", display, service

    def _set_current(self, s: Session, cur: CurrentTicket | None, counter: int | None = None) -> None:
        number = cur.counter if cur else counter
        st = s.get(CounterState, number)
        if st is None:
            st = CounterState(counter=number, paused=False, updated_at=self.clock())
            s.add(st)
        st.ticket_id = cur.ticket_id if cur else None
        st.display_number = cur.display_number if cur else None
        st.service_code = cur.service_code if cur else None
        st.officer = cur.officer if cur else None
        st.source = cur.source if cur else None
        st.called_at = cur.called_at if cur else None
        st.updated_at = self.clock()

    def _set_paused(self, counter: int, paused: bool) -> None:
        self._check(counter)
        with self.db.transaction() as s:
            st = s.get(CounterState, counter)
            if st is None:
                st = CounterState(counter=counter, paused=paused, updated_at=self.clock())
                s.add(st)
            elif st.paused == paused:
                return
            st.paused, st.updated_at = paused, self.clock()
            add_event(s, Event(Audit(action="counter.paused" if paused else "counter.resumed", counter=counter)))
        self._emit("paused" if paused else "resumed", {"counter": counter})

    def _act(self, cur: CurrentTicket, name: str, remote: Callable[[], Any], payload: Payload, *,
             clear: bool) -> None:
        """Do an action at the central, or record it as an outbox event (offline tickets,
        central unreachable). A 409 from the central means it sees no current ticket for this
        counter: the local state is cleared and the action refused."""
        offline = cur.source != "central" or self.client is None
        if not offline:
            try:
                remote()
            except CentralUnavailable as exc:
                log.info("counter %s: %s recorded offline: %s", cur.counter, name, exc)
                offline = True
            except CentralRejected as exc:
                if exc.status == 409:
                    with self.db.transaction() as s:
                        self._set_current(s, None, cur.counter)
                    self._emit("cleared", {"counter": cur.counter, "ticket_id": cur.ticket_id})
                    raise CounterError("stale", f"the central sees no ticket at counter {cur.counter}: "
                                                f"{exc.reason}") from None
                raise CounterError("refused", f"the central refused {name}: {exc.reason}") from None
        now = self.clock()
        with self.db.transaction() as s:
            if clear:
                self._set_current(s, None, cur.counter)
            if offline:
                add_event(s, Event(payload, occurred_at=now))
        if offline:
            self.stats[f"offline_{name}"] += 1

    def _called(self, cur: CurrentTicket, what: str) -> None:
        data = {"counter": cur.counter, "ticket_id": cur.ticket_id, "display_number": cur.display_number,
                "source": cur.source}
        self._emit(what, data)
        if self.announce is not None:
            try:
                self.announce(call_announcement(self.translator, cur.display_number, cur.counter))
            except Exception:
                log.exception("announcement failed for %s", cur.display_number)

    def _emit(self, kind: str, data: dict[str, Any]) -> None:
        for listener in list(self.listeners):
            try:
                listener(kind, data)
            except Exception:
                log.exception("counter listener failed on %s", kind)
