"""The push channel for calls: a hub per central process that finds new calls right after every
write that may make one (counter actions, event batches) and hands them to the open
server-sent-event streams (hall displays, browser displays, ticket pages) of that centre.

One database query per write serves every listener; a stream reads the database itself only
when it resumes (`since` / Last-Event-ID). A slow poll (POLL_S) also catches calls written by
another process (a second worker, the admin CLI) for centres somebody listens to: one query
for all of them (a province's worker listens for ~200 centres; a query each was most of its CPU).
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from central.centres import CentreRow, doc_of
from central.db import Database, utc_now
from central.queue import CALL_COLUMNS, call_json, recent_calls, today
from central.tickets import Ticket

log = logging.getLogger(__name__)

OVERLAP = dt.timedelta(seconds=10)  # a call committed late by another process is still found
POLL_S = 1.0
QUEUE_MAX = 200  # calls waiting for one slow client; past this the stream ends and the client resumes


def call_id(call: dict[str, Any]) -> str:
    """The SSE event id: the call's time and ticket (a recall has a new time, so a new id)."""
    return f"{call['called_at']}|{call['ticket_id']}"


def since_of(event_id: str | None) -> dt.datetime | None:
    """The time in an event id (or a plain ISO time), None when it is not one."""
    if not event_id:
        return None
    try:
        at = dt.datetime.fromisoformat(event_id.split("|", 1)[0].strip())
    except ValueError:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.timezone.utc)


def sse(event: str, data: Any, event_id: str | None = None) -> bytes:
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n".encode()


@dataclass(eq=False)
class Listener:
    centre_id: int
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_MAX))
    overflow: bool = False

    def _put(self, calls: list[tuple[str, bytes]] | None) -> None:
        try:
            self.queue.put_nowait(calls)
        except asyncio.QueueFull:
            self.overflow = True  # the stream ends; the client resumes from its last id

    def deliver(self, calls: list[tuple[str, bytes]] | None) -> None:
        """(event id, encoded event) of new calls, or None: the central is shutting down."""
        try:
            self.loop.call_soon_threadsafe(self._put, calls)
        except RuntimeError:  # the loop is closed: the stream is gone
            pass


@dataclass
class _Seen:
    high: dt.datetime
    ids: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    checked: dt.datetime | None = None  # start of the last poll that read this centre's calls


class CallHub:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._listeners: dict[int, set[Listener]] = {}
        self._seen: dict[int, _Seen] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._docs: dict[int, tuple[str, Any]] = {}  # centre -> (etag, parsed document): the poller's

    # -- listeners (event loop side) ------------------------------------------------------------
    def prime(self, centre_id: int) -> None:
        """Before the first listener of a centre (on a worker thread): the calls already made
        count as seen, so the hub pushes only calls committed from now on."""
        with self._lock:
            if centre_id in self._seen:
                return
            seen = self._seen[centre_id] = _Seen(utc_now())
        self._refresh(centre_id, seen, publish=False)

    def subscribe(self, centre_id: int) -> Listener:
        """After prime(); the stream then reads its backlog, so nothing falls in between."""
        listener = Listener(centre_id, asyncio.get_running_loop())
        with self._lock:
            self._listeners.setdefault(centre_id, set()).add(listener)
            self._seen.setdefault(centre_id, _Seen(utc_now()))
        if self._stop.is_set():
            listener.deliver(None)
        self._ensure_poller()
        return listener

    def unsubscribe(self, listener: Listener) -> None:
        with self._lock:
            group = self._listeners.get(listener.centre_id)
            if group is not None:
                group.discard(listener)
                if not group:
                    del self._listeners[listener.centre_id]
                    self._seen.pop(listener.centre_id, None)

    def listening(self, centre_id: int | None = None) -> int:
        with self._lock:
            if centre_id is None:
                return sum(len(g) for g in self._listeners.values())
            return len(self._listeners.get(centre_id, ()))

    # -- writers (any thread) -------------------------------------------------------------------
    def poke(self, centre_id: int) -> None:
        """After a committed write that may have called a ticket of this centre."""
        with self._lock:
            seen = self._seen.get(centre_id)
        if seen is None:
            return  # nobody listens: nothing to do
        try:
            self._refresh(centre_id, seen)
        except Exception:  # a listener problem never fails the officer's call
            log.exception("push: refresh of centre %s failed", centre_id)

    def _refresh(self, centre_id: int, seen: _Seen, publish: bool = True) -> None:
        with seen.lock:
            with self.db.reading() as s:
                centre = s.get(CentreRow, centre_id)
                if centre is None:
                    return
                calls = recent_calls(s, centre, seen.high - OVERLAP, limit=200)["calls"]
            self._take(centre_id, seen, calls, publish)

    def _take(self, centre_id: int, seen: _Seen, calls: list[dict[str, Any]], publish: bool = True) -> None:
        """Marks the calls seen and hands the new ones to the centre's listeners (under seen.lock)."""
        fresh = [c for c in calls if call_id(c) not in seen.ids]
        if not fresh and publish:
            return
        for c in fresh:
            seen.ids.add(call_id(c))
            at = since_of(c["called_at"])
            if at is not None and at > seen.high:
                seen.high = at
        horizon = (seen.high - 2 * OVERLAP).isoformat()
        seen.ids = {i for i in seen.ids if i >= horizon}  # bounded (ids start with the time)
        if not publish or not fresh:
            return
        encoded = [(call_id(c), sse("call", c, call_id(c))) for c in fresh]  # once for every listener
        with self._lock:
            targets = list(self._listeners.get(centre_id, ()))
        for listener in targets:
            listener.deliver(encoded)

    # -- the slow poll for other processes --------------------------------------------------------
    def _ensure_poller(self) -> None:
        with self._lock:
            if self._stop.is_set() or self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._poll, name="call-hub", daemon=True)
            self._thread.start()

    def _poll(self) -> None:
        while not self._stop.wait(POLL_S):
            try:
                self.poll_once()
            except Exception:  # the database is away for a moment: the next poll tries again
                log.exception("push: poll failed")

    def poll_once(self) -> None:
        """The calls of every centre listened to, made since the last poll (less OVERLAP), by any
        process: one query for all the centres."""
        with self._lock:
            seen = {c: self._seen[c] for c in self._listeners if c in self._seen}
        if not seen:
            return
        started = utc_now()
        since = {c: max(v.high, v.checked or v.high) - OVERLAP for c, v in seen.items()}
        found: dict[int, list[Any]] = {c: [] for c in seen}
        with self.db.reading() as s:
            days = self._days(s, list(seen))
            if not days:
                return
            rows = s.execute(select(*CALL_COLUMNS).where(
                Ticket.centre_id.in_(sorted(days)), Ticket.day.in_(sorted(set(days.values()))),
                Ticket.called_at > min(since.values()), Ticket.counter.is_not(None)).order_by(Ticket.called_at))
            for t in rows:
                if t.day == days[t.centre_id] and t.called_at is not None and t.called_at > since[t.centre_id]:
                    found[t.centre_id].append(t)
            calls = {c: [call_json(t) for t in ts] for c, ts in found.items() if c in days}
        for centre_id, made in calls.items():
            one = seen[centre_id]
            with one.lock:
                self._take(centre_id, one, made)
                one.checked = started

    def _days(self, session: Any, centre_ids: list[int]) -> dict[int, str]:
        """Today at each centre (its time zone is in its document, parsed once per version)."""
        out: dict[int, str] = {}
        for centre_id, etag in session.execute(select(CentreRow.id, CentreRow.etag).where(CentreRow.id.in_(centre_ids))):
            known = self._docs.get(centre_id)
            if known is None or known[0] != etag:
                row = session.get(CentreRow, centre_id)
                assert row is not None
                known = self._docs[centre_id] = (row.etag, doc_of(row))
            out[centre_id] = today(known[1])
        return out

    def stop(self) -> None:
        """Ends every stream (the server can then shut down without waiting for them)."""
        self._stop.set()
        with self._lock:
            everyone = [lis for group in self._listeners.values() for lis in group]
        for listener in everyone:
            listener.deliver(None)
        if self._thread is not None:
            self._thread.join(5)
