"""Looking dossiers up: the adapter interface, the central adapter, the cache and the desk.

The record itself (`DossierRecord`) is part of the shared contract (kiosk.contract.dossier).

* `DossierSource` — what a province's one-stop system adapter implements (`lookup(code)`,
  `lookup_id(id)`), returning a `DossierRecord`, None for "no such dossier", or raising
  `SourceUnavailable` when it cannot answer now.
* `CentralDossierSource` — the kiosk's own central: `GET /api/v1/dossiers/{code}` and
  `GET /api/v1/dossiers/by-id/{id}` with the device token.
* `CachedLookup` — asks the source, keeps masked answers in a small SQLite file in the data
  dir (bounded, with a maximum age) and, when the source is down, answers from it with the
  answer's age, or says the look-up is unavailable.
* `DossierDesk` — the service a screen calls: payload in, a display-ready answer out.

Only masked records ever leave this module or reach the cache file (see privacy.py).
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Literal, Protocol, Union
from urllib.parse import quote
from zoneinfo import ZoneInfo

from kiosk.contract.dossier import DossierCode, DossierRecord
from kiosk.contract.privacy import get_logger
from kiosk.dossier.parse import DEFAULT_ALLOWED_HOSTS, DossierId, Refused, TicketRef, parse, refusal_message
from kiosk.dossier.view import DossierView, present
from kiosk.i18n import N_
from kiosk.sync.client import CentralClient, CentralRejected, CentralUnavailable

log = get_logger(__name__)

CACHE_FILE = "dossier_cache.sqlite3"
MSG_UNAVAILABLE = N_("The dossier look-up is not available right now. Please ask at the information desk: an officer can check your dossier for you.")
MSG_NOT_FOUND = N_("No dossier with this code was found. Please check the code on your receipt, or ask at the information desk.")


class SourceUnavailable(Exception):
    """The source cannot answer now (network, central down, refused device, malformed answer)."""


# -- sources -------------------------------------------------------------------------------


class DossierSource(Protocol):
    """A province's one-stop system (or the central). Raise SourceUnavailable when it cannot answer."""

    def lookup(self, code: str) -> DossierRecord | None: ...

    def lookup_id(self, dossier_id: str) -> DossierRecord | None: ...


class StaticDossierSource:
    """Records held in memory: for demos, tests and as the smallest example of an adapter."""

    def __init__(self, records: Iterable[DossierRecord] = ()) -> None:
        self.records = {r.code: r for r in records}
        self.available = True

    def _check(self) -> None:
        if not self.available:
            raise SourceUnavailable("static source switched off")

    def lookup(self, code: str) -> DossierRecord | None:
        self._check()
        return self.records.get(code)

    def lookup_id(self, dossier_id: str) -> DossierRecord | None:
        self._check()
        return next((r for r in self.records.values() if r.external_id == dossier_id), None)


class CentralDossierSource:
    """The kiosk's central (`GET /api/v1/dossiers/...`, device token). See docs/dossier.md."""

    def __init__(self, client: CentralClient, timeout: float = 3.0) -> None:
        self.client = client
        self.timeout = timeout

    def lookup(self, code: str) -> DossierRecord | None:
        record = self._get(f"/api/v1/dossiers/{quote(code, safe='')}")
        if record is not None and record.code != code:
            raise SourceUnavailable("central answered with another dossier")
        return record

    def lookup_id(self, dossier_id: str) -> DossierRecord | None:
        return self._get(f"/api/v1/dossiers/by-id/{quote(dossier_id, safe='')}")

    def _get(self, path: str) -> DossierRecord | None:
        try:
            body = self.client.call("GET", path, timeout=self.timeout)
        except CentralUnavailable as exc:
            raise SourceUnavailable(str(exc)) from None
        except CentralRejected as exc:
            # Our API says {"detail": {"reason": "dossier_not_found"}}; a bare 404 means no dossier API.
            if exc.status == 404 and "dossier_not_found" in exc.reason:
                return None
            raise SourceUnavailable(f"central refused the look-up: HTTP {exc.status}") from None
        try:
            return DossierRecord.from_json(body)
        except (ValueError, TypeError):
            raise SourceUnavailable("central sent a malformed dossier") from None


# -- the cache -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LookupResult:
    outcome: Literal["found", "not_found", "unavailable"]
    record: DossierRecord | None = None   # masked
    from_cache: bool = False
    age_s: float | None = None            # age of a cached answer
    source_down: bool = False             # the source could not answer (a cached answer may be stale)


Query = Union[DossierCode, DossierId]


def _keys(query: Query) -> str:
    return f"code:{query.code}" if isinstance(query, DossierCode) else f"id:{query.id}"


class CachedLookup:
    """Source first; masked answers cached in a SQLite file; the cache answers when the source is down.

    fresh_s: a repeat scan within this time is answered from the cache without asking the source.
    max_age_s: older entries are deleted and never shown. max_entries: the oldest go first.
    retry_after_s: after a failure the source is left alone this long (answers come from the cache
    at once instead of waiting for another timeout).
    """

    SCHEMA_VERSION = 1

    def __init__(self, source: DossierSource, path: Path | str | None, *, max_entries: int = 500,
                 max_age_s: float = 24 * 3600, fresh_s: float = 60, retry_after_s: float = 15,
                 clock: Callable[[], float] = time.time) -> None:
        self.source = source
        self.path = Path(path) if path else None
        self.max_entries, self.max_age_s, self.fresh_s, self.retry_after_s = max_entries, max_age_s, fresh_s, retry_after_s
        self.clock = clock
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._conn: sqlite3.Connection | None = None
        if self.path is not None:
            self._open()

    # -- file ------------------------------------------------------------------------------
    def _open(self) -> None:
        assert self.path is not None
        for attempt in (1, 2):
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=2, check_same_thread=False, isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")  # a cache: losing the last writes is fine
                if conn.execute("PRAGMA user_version").fetchone()[0] != self.SCHEMA_VERSION:
                    conn.execute("DROP TABLE IF EXISTS dossier_cache")
                    conn.execute("CREATE TABLE dossier_cache (key TEXT PRIMARY KEY, record TEXT NOT NULL, "
                                 "fetched_at REAL NOT NULL)")
                    conn.execute("CREATE INDEX ix_dossier_cache_fetched_at ON dossier_cache (fetched_at)")
                    conn.execute(f"PRAGMA user_version={self.SCHEMA_VERSION}")
                conn.execute("SELECT count(*) FROM dossier_cache").fetchone()
                self._conn = conn
                return
            except sqlite3.DatabaseError as exc:
                log.warning("dossier cache %s unusable (%s); %s", self.path.name, type(exc).__name__,
                            "recreating it" if attempt == 1 else "running without a cache")
                if attempt == 1:
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        self._conn = None

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _get(self, key: str, now: float) -> tuple[DossierRecord, float] | None:
        if self._conn is None:
            return None
        try:
            with self._lock:
                row = self._conn.execute("SELECT record, fetched_at FROM dossier_cache WHERE key = ?",
                                         (key,)).fetchone()
            if row is None or now - row[1] > self.max_age_s:
                return None
            return DossierRecord.from_json(json.loads(row[0])), max(0.0, now - row[1])
        except (sqlite3.Error, ValueError, TypeError) as exc:
            log.warning("dossier cache read failed: %s", type(exc).__name__)
            return None

    def _put(self, keys: list[str], record: DossierRecord, now: float) -> None:
        if self._conn is None:
            return
        body = json.dumps(record.to_json(), ensure_ascii=False)
        try:
            with self._lock:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    self._conn.executemany("INSERT OR REPLACE INTO dossier_cache (key, record, fetched_at) "
                                           "VALUES (?, ?, ?)", [(k, body, now) for k in keys])
                    self._conn.execute("DELETE FROM dossier_cache WHERE fetched_at < ?", (now - self.max_age_s,))
                    self._conn.execute("DELETE FROM dossier_cache WHERE key NOT IN (SELECT key FROM dossier_cache "
                                       "ORDER BY fetched_at DESC LIMIT ?)", (self.max_entries,))
                    self._conn.execute("COMMIT")
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
        except sqlite3.Error as exc:
            log.warning("dossier cache write failed: %s", type(exc).__name__)

    def _forget(self, keys: list[str]) -> None:
        if self._conn is None:
            return
        try:
            with self._lock:
                self._conn.executemany("DELETE FROM dossier_cache WHERE key = ?", [(k,) for k in keys])
        except sqlite3.Error as exc:
            log.warning("dossier cache delete failed: %s", type(exc).__name__)

    def entries(self) -> int:
        if self._conn is None:
            return 0
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM dossier_cache").fetchone()[0])

    # -- look-up ---------------------------------------------------------------------------
    def lookup(self, query: Query) -> LookupResult:
        key = _keys(query)
        now = self.clock()
        cached = self._get(key, now)
        if cached is not None and cached[1] <= self.fresh_s:
            return LookupResult("found", cached[0], from_cache=True, age_s=cached[1])
        if now < self._down_until:
            return self._fallback(cached)
        try:
            if isinstance(query, DossierCode):
                record = self.source.lookup(query.code)
            else:
                record = self.source.lookup_id(query.id)
        except SourceUnavailable as exc:
            log.warning("dossier source unavailable: %s", exc)
            self._down_until = now + self.retry_after_s
            return self._fallback(cached)
        except Exception as exc:  # noqa: BLE001 - a broken adapter must not take the screen down
            log.error("dossier source failed: %s", type(exc).__name__)
            self._down_until = now + self.retry_after_s
            return self._fallback(cached)
        self._down_until = 0.0
        if record is None:
            self._forget([key])
            return LookupResult("not_found")
        record = record.masked()
        keys = {key, f"code:{record.code}"} | ({f"id:{record.external_id}"} if record.external_id else set())
        self._put(sorted(keys), record, now)
        return LookupResult("found", record)

    def _fallback(self, cached: tuple[DossierRecord, float] | None) -> LookupResult:
        if cached is None:
            return LookupResult("unavailable", source_down=True)
        return LookupResult("found", cached[0], from_cache=True, age_s=cached[1], source_down=True)


# -- the desk: what a screen calls -----------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    view: DossierView
    kind: str = "shown"


@dataclass(frozen=True)
class Message:
    kind: Literal["refused", "not_found", "unavailable"]
    message: str              # translated, fixed text (never the input)
    reason: str = ""          # refusal reason code (for "refused")


@dataclass(frozen=True)
class TicketScanned:
    ticket: TicketRef
    kind: str = "ticket"


Answer = Union[Shown, Message, TicketScanned]


class DossierDesk:
    """payload -> parse -> look-up -> masked, translated view. Call from a worker thread."""

    def __init__(self, lookup: CachedLookup, *, centre_code: str | None,
                 translate: Callable[[str], str] = lambda m: m, timezone: str = "Asia/Ho_Chi_Minh",
                 allowed_hosts: Iterable[str] = DEFAULT_ALLOWED_HOSTS, ticket_page: tuple[str, str] | None = None,
                 now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)) -> None:
        self.lookup = lookup
        self.ticket_page = ticket_page  # (public URL, ticket key): this centre's ticket QRs
        self.centre_code = centre_code
        self.translate = translate
        self.tz = ZoneInfo(timezone)
        self.allowed_hosts = tuple(allowed_hosts)
        self.now = now

    def scan(self, payload: str | bytes) -> Answer:
        parsed = parse(payload, centre_code=self.centre_code, allowed_hosts=self.allowed_hosts,
                       ticket_page=self.ticket_page)
        if isinstance(parsed, Refused):
            log.info("dossier scan refused: %s", parsed.reason)  # the reason code only, never the input
            return Message("refused", self.translate(refusal_message(parsed.reason)), parsed.reason)
        if isinstance(parsed, TicketRef):
            return TicketScanned(parsed)
        result = self.lookup.lookup(parsed)
        if result.outcome == "not_found":
            return Message("not_found", self.translate(MSG_NOT_FOUND))
        if result.outcome == "unavailable" or result.record is None:
            return Message("unavailable", self.translate(MSG_UNAVAILABLE))
        today = self.now().astimezone(self.tz).date()
        return Shown(present(result.record, self.translate, today, tz=self.tz, from_cache=result.from_cache,
                             age_s=result.age_s, source_down=result.source_down))
