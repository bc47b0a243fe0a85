"""Number leases when a central exists.

Online, a background top-up keeps a few leased numbers ahead for each service (so issuing
rarely waits on the network), and a kiosk out of leased numbers asks once more before issuing.
Each request carries an idempotency key kept in the device database until answered, so a
retry after a lost answer gets the same block. When the central cannot be reached, a lobby
kiosk uses its own fallback block at the top of the number space, which the central never
leases (kiosk.contract.numbering, docs/central.md) — except for a service whose quota the
central said is reached: then the kiosk says "no more numbers", as the central would.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.contract.config import Config, Service
from kiosk.contract.leases import QUOTA_REASONS, LeaseRequest
from kiosk.contract.numbering import fallback_block
from kiosk.contract.windows import current_window
from kiosk.domain.clock import Clock
from kiosk.storage import Database
from kiosk.storage.leases import NumberLease
from kiosk.sync import state
from kiosk.sync.client import CentralClient, CentralRejected, CentralUnavailable, LeaseRefused
from kiosk.ticketing import TicketRefused

log = logging.getLogger(__name__)

RETRY_REFUSED_S = 60  # a refused service is asked again after this long (a quota may be raised)


def _pending_key(code: str, day: str) -> str:
    return f"lease.request:{code}:{day}"


def _refused_key(code: str, day: str) -> str:
    return f"lease.refused:{code}:{day}"


def refusal_of(session: Session, code: str, day: str) -> dict[str, Any] | None:
    """The central's last refusal of a lease for the service that day: {reason, window, at}."""
    raw = state.get(session, _refused_key(code, day))
    return json.loads(raw) if raw else None


class FallbackLeases:
    """LeaseSource for a kiosk connected to a central: only ever creates the fallback block
    (lobby kiosks, with a device index), and knows when the central said a quota is reached."""

    def __init__(self, config: Config) -> None:
        self.config = config

    def new_lease(self, session: Session, service: Service, day: str, now: dt.datetime) -> NumberLease | None:
        if self.config.device.role != "lobby":
            return None
        refused = self._quota_refusal(session, service, day, now)
        if refused is not None:
            raise TicketRefused(refused, f"{service.code} {day}: the centre's quota is reached")
        block = fallback_block(self.config.numbering, service.max_number, self.config.central.device_index)
        if block is None:
            return None  # not enrolled: no block of its own, so no numbers that cannot collide
        used = session.scalar(select(func.count()).select_from(NumberLease).where(
            NumberLease.service_code == service.code, NumberLease.day == day, NumberLease.source == "fallback"))
        if used:
            return None
        first, last = block
        return NumberLease(service_code=service.code, day=day, first=first, last=last, next_number=first,
                           source="fallback", created_at=now)

    def refusal(self, session: Session, service: Service, day: str, window: str | None) -> str | None:
        mark = refusal_of(session, service.code, day)
        if mark is None or mark["reason"] not in QUOTA_REASONS:
            return None
        if mark["reason"] == "quota_window" and mark.get("window") != window:
            return None  # another session: its own quota
        return str(mark["reason"])

    def _quota_refusal(self, session: Session, service: Service, day: str, now: dt.datetime) -> str | None:
        window = current_window(service, self.config.calendar, now.astimezone(ZoneInfo(self.config.centre.timezone)))
        return self.refusal(session, service, day, window.start if window else None)


def remaining_central(session: Session, service_code: str, day: str) -> int:
    return session.scalar(select(func.coalesce(func.sum(NumberLease.last - NumberLease.next_number + 1), 0)).where(
        NumberLease.service_code == service_code, NumberLease.day == day, NumberLease.source == "central",
        NumberLease.next_number <= NumberLease.last)) or 0


class LeaseKeeper:
    """Asks the central for leases (the sync thread's top-up and the desk's refill share it)."""

    def __init__(self, db: Database, client: CentralClient, config: Config, clock: Clock) -> None:
        self.db = db
        self.client = client
        self.config = config
        self.clock = clock
        self._lock = threading.Lock()  # one request at a time: top-up and refill never double-lease

    def request(self, service: Service, day: str) -> str:
        """One lease request; answers "granted", a refusal reason, "unavailable" or "rejected"."""
        with self._lock:
            with self.db.transaction() as s:
                request_id = state.get(s, _pending_key(service.code, day)) or str(uuid.uuid4())
                state.put(s, _pending_key(service.code, day), request_id)  # kept until answered
            request = LeaseRequest(request_id=request_id, service_code=service.code, day=day,
                                   count=self.config.numbering.lease_size)
            try:
                answer = self.client.request_lease(request)
            except CentralUnavailable:
                return "unavailable"  # the same key next time: a lease granted meanwhile comes back
            except LeaseRefused as exc:
                self._answered(service, day, exc.refusal.reason)
                log.info("lease for %s refused: %s", service.code, exc.refusal.message)
                return exc.refusal.reason
            except CentralRejected as exc:
                self._answered(service, day, None)
                log.warning("lease for %s refused: %s", service.code, exc)
                return "rejected"
            now = self.clock()
            with self.db.transaction() as s:
                known = s.scalar(select(NumberLease.id).where(NumberLease.central_lease_id == answer.lease_id))
                if known is None:
                    s.add(NumberLease(service_code=service.code, day=day, first=answer.first, last=answer.last,
                                      next_number=answer.first, source="central", central_lease_id=answer.lease_id,
                                      window=answer.window, created_at=now))
                state.put(s, _pending_key(service.code, day), "")
                state.put(s, _refused_key(service.code, day), "")
            return "granted"

    def _answered(self, service: Service, day: str, reason: str | None) -> None:
        now = self.clock()
        window = current_window(service, self.config.calendar, now.astimezone(ZoneInfo(self.config.centre.timezone)))
        with self.db.transaction() as s:
            state.put(s, _pending_key(service.code, day), "")
            if reason is not None:
                state.put(s, _refused_key(service.code, day), json.dumps(
                    {"reason": reason, "window": window.start if window else None, "at": now.isoformat()}))

    def recently_refused(self, session: Session, code: str, day: str, now: dt.datetime) -> bool:
        mark = refusal_of(session, code, day)
        return mark is not None and now - dt.datetime.fromisoformat(mark["at"]) < dt.timedelta(seconds=RETRY_REFUSED_S)

