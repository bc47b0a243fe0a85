"""Sends the outbox to the central in order, in batches, with the event ids as idempotency keys.

- accepted / duplicate: marked sent (a duplicate means an earlier try got through).
- conflict (the central holds another content under this id; it kept this one for audit):
  marked sent, logged.
- rejected one by one by the central: moved to the dead-letter table with the reason code and
  message; the rest go on (`kiosk outbox requeue` puts dead letters back after a fix).
- the central refusing the whole batch with its own error body (400, 413, 422): the batch is
  split in halves until the event that causes it is alone, then that event is dead-lettered.
- an answer that is not the central's contract (404, 405, an HTML page, not JSON): the central
  is misconfigured (a proxy, a wrong URL): back off and raise the `central` health flag; never
  dead-letter, never split.
- network errors, timeouts, 5xx, 408/409/429, 401/403: nothing is lost; retry after a backoff
  with full jitter, capped, stored in the database.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import random
from dataclasses import dataclass
from typing import Any, Sequence, cast

from sqlalchemy import CursorResult, delete, select, update

from kiosk.contract.events import iso
from kiosk.domain.clock import Clock, system_clock
from kiosk.health import HealthBoard, HealthReporter
from kiosk.ports import HealthState
from kiosk.storage import Database
from kiosk.storage.outbox import DeadLetter, OutboxEvent
from kiosk.sync import state
from kiosk.sync.client import CentralClient, CentralMisconfigured, CentralRejected, CentralUnavailable

log = logging.getLogger(__name__)

AUTH_FAILURES = {0, 401, 403}  # 0: TLS not trusted. Not the events' fault: keep them.


@dataclass
class FlushResult:
    delivered: int = 0
    dead_lettered: int = 0
    error: str | None = None


def full_jitter_delay(attempt: int, base_s: float, cap_s: float, rng: random.Random) -> float:
    return rng.uniform(0, min(cap_s, base_s * 2 ** min(attempt, 30)))


class OutboxSender:
    def __init__(self, db: Database, client: CentralClient, device_id: str, health: HealthBoard, *,
                 batch_size: int = 500, backoff_base_s: float = 1.0, backoff_cap_s: float = 180.0,
                 clock: Clock = system_clock, rng: random.Random | None = None) -> None:
        self.db = db
        self.client = client
        self.device_id = device_id
        # every report is sent: the sync service reports "central" too
        self._central = HealthReporter("central", health.report, repeats="send", max_detail=None)
        self._outbox = HealthReporter("outbox", health.report, repeats="send", max_detail=None)
        self.batch_size = batch_size
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self.clock = clock
        self.rng = rng or random.Random()

    # -- backoff, durable ----------------------------------------------------------------
    def next_attempt_at(self) -> dt.datetime | None:
        with self.db.transaction() as s:
            value = state.get(s, "outbox.next_attempt_at")
        return dt.datetime.fromisoformat(value) if value else None

    def _backoff(self, reason: str) -> None:
        with self.db.transaction() as s:
            attempt = int(state.get(s, "outbox.attempt", "0") or 0)
            delay = full_jitter_delay(attempt, self.backoff_base_s, self.backoff_cap_s, self.rng)
            state.put(s, "outbox.attempt", str(attempt + 1))
            state.put(s, "outbox.next_attempt_at", iso(self.clock() + dt.timedelta(seconds=delay)))
            state.put(s, "outbox.last_error", reason)
        log.info("central unavailable (%s); retry in %.1f s", reason, delay)

    def _contact_ok(self) -> None:
        with self.db.transaction() as s:
            state.put(s, "outbox.attempt", "0")
            state.put(s, "outbox.next_attempt_at", "")
            state.put(s, "outbox.last_error", "")
            state.put(s, "central.last_contact", iso(self.clock()))

    # -- sending -------------------------------------------------------------------------
    def due(self) -> bool:
        at = self.next_attempt_at()
        return at is None or self.clock() >= at

    def flush(self, max_batches: int | None = None) -> FlushResult:
        """Send pending events until none is left, the backoff says wait, or max_batches."""
        result = FlushResult()
        limit = self.batch_size
        batches = 0
        while self.due() and (max_batches is None or batches < max_batches):
            with self.db.transaction() as s:
                rows = s.execute(select(OutboxEvent.seq, OutboxEvent.event_id, OutboxEvent.type,
                                        OutboxEvent.occurred_at, OutboxEvent.payload)
                                 .where(OutboxEvent.sent_at.is_(None)).order_by(OutboxEvent.seq).limit(limit)).all()
            if not rows:
                break
            batches += 1
            wire = [{"id": r.event_id, "type": r.type, "occurred_at": iso(r.occurred_at),
                     "payload": json.loads(r.payload)} for r in rows]
            try:
                body = self.client.post_events(self.device_id, wire, self.clock())
            except CentralMisconfigured as exc:
                self._central(HealthState.FAILED, f"central misconfigured: {exc}"[:300])
                self._mark_attempted([r.seq for r in rows])
                self._backoff(str(exc))
                result.error = str(exc)
                break
            except CentralUnavailable as exc:
                self._mark_attempted([r.seq for r in rows])
                self._backoff(str(exc))
                result.error = str(exc)
                break
            except CentralRejected as exc:
                if exc.status in AUTH_FAILURES:
                    self._central(HealthState.FAILED, f"not authorised: {exc.reason}")
                    self._backoff(str(exc))
                    result.error = str(exc)
                    break
                if len(rows) > 1:
                    limit = max(1, len(rows) // 2)  # find the event that the central refuses
                    continue
                self._dead_letter({rows[0].event_id: f"HTTP {exc.status}: {exc.reason}"})
                result.dead_lettered += 1
                continue
            delivered, refused = self._apply_results(rows, body["results"])
            result.delivered += delivered
            result.dead_lettered += len(refused)
            self._contact_ok()
            limit = self.batch_size
        return result

    def _apply_results(self, rows: Sequence[Any], results: list[dict[str, Any]]) -> tuple[int, dict[str, str]]:
        by_id = {r.get("id"): r for r in results if isinstance(r, dict)}
        sent, refused = [], {}
        for row in rows:
            answer = by_id.get(row.event_id)
            if answer is None:
                continue  # not answered: stays pending, sent again next time
            status = answer.get("status")
            if status in ("accepted", "duplicate"):
                sent.append(row.seq)
            elif status == "conflict":  # the central kept this copy for audit; resending changes nothing
                log.warning("event %s conflicts with what the central holds: %s", row.event_id, answer.get("message"))
                sent.append(row.seq)
            elif status == "rejected":
                reason = str(answer.get("reason") or "rejected")
                message = answer.get("message")
                refused[row.event_id] = (f"{reason}: {message}" if message else reason)[:500]
        if sent:
            now = self.clock()
            with self.db.transaction() as s:
                for i in range(0, len(sent), 500):
                    s.execute(update(OutboxEvent).where(OutboxEvent.seq.in_(sent[i:i + 500])).values(sent_at=now))
        if refused:
            self._dead_letter(refused)
        return len(sent), refused

    def _mark_attempted(self, seqs: list[int]) -> None:
        with self.db.transaction() as s:
            s.execute(update(OutboxEvent).where(OutboxEvent.seq.in_(seqs)).values(attempts=OutboxEvent.attempts + 1))

    def _dead_letter(self, reasons: dict[str, str]) -> None:
        now = self.clock()
        with self.db.transaction() as s:
            events = s.scalars(select(OutboxEvent).where(OutboxEvent.event_id.in_(list(reasons)))).all()
            for e in events:
                s.merge(DeadLetter(event_id=e.event_id, type=e.type, occurred_at=e.occurred_at, payload=e.payload,
                                   reason=reasons[e.event_id], failed_at=now))
            s.execute(delete(OutboxEvent).where(OutboxEvent.event_id.in_(list(reasons))))
        for event_id, reason in reasons.items():
            log.warning("event %s dead-lettered: %s", event_id, reason)
        self._outbox(HealthState.DEGRADED, f"{len(reasons)} event(s) refused by the central; see dead letters")

    def purge_sent(self, older_than: dt.timedelta = dt.timedelta(days=7)) -> int:
        cutoff = self.clock() - older_than
        with self.db.transaction() as s:
            done = s.execute(delete(OutboxEvent).where(OutboxEvent.sent_at.is_not(None), OutboxEvent.sent_at < cutoff))
            return cast(CursorResult[Any], done).rowcount or 0
