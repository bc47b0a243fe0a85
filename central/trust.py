"""What each device may say: its role's event types, its own tickets, its own counters.

- A role sends only its event types (kiosk.contract.wire.ROLE_EVENTS): a display sends
  heartbeats, health and audit events only.
- A lobby writes only about tickets it issued, with numbers inside its leases or its own
  offline fallback block (kiosk.contract.numbering); a ticket row is never rewritten by
  another device.
- A counter device (and a citizen's rating terminal) acts and reports only for the counters bound
  to it: by the centre config (`counters[].device` = the device's id or name) or at enrolment
  (the code's `counters`).
  A rating comes only from the counter that served the ticket, one per ticket.
- A dossier is linked to a ticket only by the counter serving it, and only a dossier of the
  centre's own agency (the code embeds it: kiosk.contract.dossier). A rating covers the
  dossiers linked to its ticket and its own `dossier_code`: one rating per dossier
  (central.dossier_links.claim holds it under concurrent batches too).
- A rating's reason is attached only by the counter that gave the rating, once.
- Officers (issue 14): when the centre requires sign-in (centre.require_sign_in), a counter
  event with an `officer` field (officer.session too) must name a configured officer.
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from central import bulk, dossier_links
from central.centres import CentreDoc
from central.devices import Device
from central.leases import Lease
from central.ratings import Rating
from central.tickets import Ticket
from kiosk.contract.numbering import fallback_block
from kiosk.contract.wire import ROLE_EVENTS

Refusal = tuple[Any, str]  # (kiosk.contract.wire.Reason, message)


def allowed_types(role: str) -> frozenset[str]:
    return ROLE_EVENTS.get(role, frozenset())


def counters_of(device: Device, doc: CentreDoc) -> set[int]:
    """The counters a device may act for: bound at enrolment, or by the config's counters[].device."""
    bound = {int(n) for n in (device.counters or [])}
    bound.update(c.number for c in doc.config.counters if c.device is not None and c.device in (device.id, device.name))
    return bound


class Judge:
    """Checks one batch's events in order; loads what it needs once per batch, lazily."""

    def __init__(self, session: Session, device: Device, doc: CentreDoc, centre_id: int) -> None:
        self.session, self.device, self.doc, self.centre_id = session, device, doc, centre_id
        self.counters = counters_of(device, doc) if device.role in ("counter", "rating") else set()
        self.tz = ZoneInfo(doc.config.centre.timezone)
        self._tickets: dict[str, tuple[str | None, int | None, int | None]] | None = None
        self._leases: list[Lease] | None = None
        self._days: set[str] = set()
        self._rated: set[str] | None = None
        self._rating_ids: set[str] = set()
        self.issued_here: set[str] = set()
        self.known_tickets: set[str] = set()  # ticket rows that exist before this batch
        self.serving: dict[str, int] = {}
        self._links: dict[str, set[str]] = {}           # ticket -> dossiers linked (stored + this batch)
        self._reasons: dict[str, tuple[int, bool]] = {}  # rating -> (its counter, has a reason)
        self.officer_codes = {o.code for o in doc.config.officers}

    # -- lazily loaded state --------------------------------------------------------------
    def prepare(self, events: list[Any]) -> None:
        self._days = {e.payload.day for e in events if e.type == "ticket.issued"}
        ids = {e.payload.__dict__["ticket_id"] for e in events if e.payload.__dict__.get("ticket_id")}
        self._tickets = {}
        table = Ticket.__table__
        ordered = sorted(ids)
        for start in range(0, len(ordered), 1000):
            part = ordered[start:start + 1000]
            for tid, dev, number, counter in self.session.execute(
                    select(table.c.ticket_id, table.c.device_id, table.c.number, table.c.counter)
                    .where(table.c.centre_id == self.centre_id, bulk.among(self.session, table.c.ticket_id, part))):
                self._tickets[tid] = (dev, number, counter)
        self.known_tickets = set(self._tickets)
        ratings = [e.payload for e in events if e.type == "rating.recorded"]
        rated = sorted({p.ticket_id for p in ratings if p.ticket_id})
        self._rated, self._rating_ids = set(), set()
        for start in range(0, len(rated), 1000):
            self._rated.update(self.session.scalars(select(Rating.ticket_id).where(
                Rating.centre_id == self.centre_id, bulk.among(self.session, Rating.ticket_id, rated[start:start + 1000]))))
        rating_ids = sorted({p.rating_id for p in ratings})
        for start in range(0, len(rating_ids), 1000):
            self._rating_ids.update(self.session.scalars(select(Rating.rating_id).where(
                Rating.centre_id == self.centre_id,
                bulk.among(self.session, Rating.rating_id, rating_ids[start:start + 1000]))))

        linking = {e.payload.ticket_id for e in events if e.type in ("rating.recorded", "ticket.dossier_linked")
                   and e.payload.ticket_id}
        self._links = dossier_links.linked_codes(self.session, self.centre_id, linking)
        asked = sorted({e.payload.rating_id for e in events if e.type == "rating.reason"})
        self._reasons = {}
        for start in range(0, len(asked), 1000):
            for rid, counter, state in self.session.execute(
                    select(Rating.rating_id, Rating.counter, Rating.reason_state).where(
                        Rating.centre_id == self.centre_id,
                        bulk.among(self.session, Rating.rating_id, asked[start:start + 1000]))):
                self._reasons[rid] = (counter, state is not None)

    def _leases_of(self) -> list[Lease]:
        if self._leases is None:
            self._leases = list(self.session.scalars(select(Lease).where(
                Lease.device_id == self.device.id, Lease.day.in_(sorted(self._days)))))
        return self._leases

    # -- the rules ------------------------------------------------------------------------
    def check(self, ev: Any) -> Refusal | None:
        if self._tickets is None:
            raise RuntimeError("Judge.prepare() first")
        p = ev.payload
        kind = ev.type
        if kind == "ticket.issued":
            return self._issued(p)
        if kind == "ticket.printed":
            owner = self._tickets.get(p.ticket_id, (None, None, None))[0]
            if p.ticket_id not in self.issued_here and owner != self.device.id:
                return "not_your_ticket", f"ticket {p.ticket_id} was not issued by this device"
            return None
        counter = p.__dict__.get("counter")
        if counter is not None and counter not in self.counters:
            return "counter_not_yours", (f"counter {counter} is not bound to this device (centre config "
                                         "counters[].device, or the enrolment code's counters)")
        refusal = self._officer(kind, p)
        if refusal is not None:
            return refusal
        if kind in ("ticket.called", "ticket.served", "ticket.no_show"):
            if kind != "ticket.called" or p.service_code is None or self._service(p.service_code):
                self.serving[p.ticket_id] = counter
                return None
            return "unknown_service", f"unknown service {p.service_code!r}"
        if kind == "ticket.transferred":
            if not self._service(p.to_service_code):
                return "unknown_service", f"unknown service {p.to_service_code!r}"
            self.serving[p.ticket_id] = counter
            return None
        if kind == "rating.recorded":
            return self._rating(p, counter)
        if kind == "ticket.dossier_linked":
            return self._link(p, counter)
        if kind == "rating.reason":
            return self._reason(p, counter)
        return None

    def _served_by(self, ticket_id: str) -> int | None:
        assert self._tickets is not None
        return self.serving.get(ticket_id, self._tickets.get(ticket_id, (None, None, None))[2])

    def _dossier(self, code: str) -> tuple[str | None, Refusal | None]:
        """The normalised code, or why it is refused."""
        normal = dossier_links.normalise(code)
        if normal is None:
            return None, ("invalid", f"dossier_code {code[:64]!r} is not a dossier code (kiosk.contract.dossier)")
        agency = dossier_links.foreign_agency(normal, self.doc.config.centre.code)
        if agency is not None:
            return None, ("other_agency", f"dossier {normal} belongs to agency {agency}, not to this centre "
                                          f"({self.doc.config.centre.code})")
        return normal, None

    def _link(self, p: Any, counter: int) -> Refusal | None:
        code, refusal = self._dossier(p.dossier_code)
        if refusal is not None:
            return refusal
        served_by = self._served_by(p.ticket_id)
        if served_by != counter:
            return "not_served_here", (f"ticket {p.ticket_id} is not being served at counter {counter}"
                                       + (f" (counter {served_by})" if served_by else ""))
        assert code is not None
        self._links.setdefault(p.ticket_id, set()).add(code)
        return None

    def _reason(self, p: Any, counter: int) -> Refusal | None:
        known = self._reasons.get(p.rating_id)
        if known is None:
            return "unknown_rating", f"rating {p.rating_id} is not stored at the central (send the rating first)"
        given_at, has_reason = known
        if given_at != counter:
            return "not_served_here", f"rating {p.rating_id} was given at counter {given_at}, not {counter}"
        if has_reason:
            return "reason_already_given", f"rating {p.rating_id} already has its reason (the first one stays)"
        self._reasons[p.rating_id] = (given_at, True)
        return None

    def _rating(self, p: Any, counter: int) -> Refusal | None:
        assert self._tickets is not None and self._rated is not None
        if p.rating_id in self._rating_ids:
            return "already_rated", f"rating {p.rating_id} was already recorded"
        if p.ticket_id is not None:
            served_by = self.serving.get(p.ticket_id, self._tickets.get(p.ticket_id, (None, None, None))[2])
            if served_by != counter:
                return "not_served_here", (f"ticket {p.ticket_id} was not served at counter {counter}"
                                           + (f" (counter {served_by})" if served_by else ""))
            if p.ticket_id in self._rated:
                return "already_rated", f"ticket {p.ticket_id} already has a rating"
        codes = set(self._links.get(p.ticket_id, ())) if p.ticket_id else set()
        if p.dossier_code:
            code, refusal = self._dossier(p.dossier_code)
            if refusal is not None:
                return refusal
            assert code is not None
            codes.add(code)
        taken = dossier_links.claim(self.session, self.centre_id, p.rating_id, counter, codes)
        if taken is not None:
            return "dossier_already_rated", f"dossier {taken} already has a rating (one rating per dossier)"
        if p.ticket_id is not None:
            self._rated.add(p.ticket_id)
        self._rating_ids.add(p.rating_id)
        self._reasons[p.rating_id] = (counter, p.reason is not None)
        return None

    def _officer(self, kind: str, p: Any) -> Refusal | None:
        fields = p.__dict__
        if (not self.doc.config.centre.require_sign_in or "officer" not in fields
                or kind == "ticket.no_show"):  # a no-show may come from a caller keypad alone
            return None
        officer = fields["officer"]
        if officer is None:
            return "not_signed_in", (f"{kind} at counter {fields.get('counter')} names no officer; this centre "
                                     "requires an officer signed in at the counter")
        if officer not in self.officer_codes:
            return "unknown_officer", f"officer {officer!r} is not in the centre's configuration"
        return None

    def _service(self, code: str) -> Any:
        try:
            return self.doc.config.service(code)
        except KeyError:
            return None

    def _issued(self, p: Any) -> Refusal | None:
        assert self._tickets is not None
        service = self._service(p.service_code)
        if service is None:
            return "unknown_service", f"unknown service {p.service_code!r}"
        owner, number, _ = self._tickets.get(p.ticket_id, (None, None, None))
        if (owner is not None and owner != self.device.id) or (p.ticket_id in self.issued_here):
            return "not_your_ticket", f"ticket {p.ticket_id} belongs to another device"
        if number is not None:
            return "already_issued", f"ticket {p.ticket_id} was already issued (another event id)"
        local = p.issued_at.astimezone(self.tz).date()
        day = dt.date.fromisoformat(p.day)
        if local != day:
            return "day_mismatch", f"day {p.day} is not the local day of issued_at ({local.isoformat()})"
        if not self._owns_number(service, p.day, p.number):
            return "number_not_leased", (f"number {p.number} of {p.service_code} on {p.day} is neither in a lease "
                                         "of this device nor in its own fallback block")
        self.issued_here.add(p.ticket_id)
        return None

    def _owns_number(self, service: Any, day: str, number: int) -> bool:
        block = fallback_block(self.doc.numbering, service.max_number, self.device.device_index)
        if block is not None and block[0] <= number <= block[1]:
            return True
        return any(x.service_code == service.code and x.day == day and x.first <= number <= x.last
                   for x in self._leases_of())
