"""Operating a central: backups and their restore, and retention of the raw history.

SQLite is copied with its online backup API (a consistent copy while the central serves);
PostgreSQL with pg_dump's custom format and pg_restore. Retention deletes raw events and
heartbeat history past their age; tickets, ratings and the report sums are kept.
"""
from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Delete, delete, text
from sqlalchemy.engine import CursorResult, make_url
from sqlalchemy.orm import Session

from central.db import Database, utc_now
from central.events import EventConflict, IngestBatch, StoredEvent
from central.fleet import HeartbeatRow

EVENTS_DAYS = 400  # a year of raw events and a margin; the reports read tickets and ratings, not these
HEARTBEATS_DAYS = 30


class BackupError(RuntimeError):
    """A backup or restore that could not be made (the message says why)."""


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("an in-memory database has nothing to back up")
    return Path(parsed.database)


def _libpq_url(url: str) -> str:
    """The URL as pg_dump/pg_restore take it (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install the PostgreSQL client (apt-get install postgresql-client)")
    return found


def backup(url: str, out: Path) -> Path:
    """Writes a consistent copy of the central database at url to out (made while it serves)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.unlink(missing_ok=True)
    path = _sqlite_path(url)
    if path is not None:
        if not path.exists():
            raise BackupError(f"no central database at {path}")
        src, dst = sqlite3.connect(path), sqlite3.connect(tmp)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
    else:
        done = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(tmp),
                               "--dbname", _libpq_url(url)], capture_output=True, text=True)
        if done.returncode != 0:
            tmp.unlink(missing_ok=True)
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    tmp.replace(out)  # a finished backup or none: never half a file under the final name
    return out


def restore(url: str, backup_file: Path) -> None:
    """Replaces the content of the central database at url with backup_file (stop the central first)."""
    if not backup_file.is_file():
        raise BackupError(f"no backup file at {backup_file}")
    path = _sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
        dst = sqlite3.connect(path)
        try:
            if src.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{backup_file} is not a sound SQLite database")
            src.backup(dst)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{backup_file} is not an SQLite backup: {exc}") from None
        finally:
            dst.close()
            src.close()
        return
    done = subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
                           "--exit-on-error", "--dbname", _libpq_url(url), str(backup_file)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")


def backup_name(now: dt.datetime | None = None) -> str:
    return f"central-{(now or utc_now()).strftime('%Y%m%dT%H%M%SZ')}.backup"


def rotate(folder: Path, keep: int) -> list[Path]:
    """Deletes all but the newest `keep` backups in folder; returns the deleted ones."""
    backups = sorted(folder.glob("central-*.backup"))
    gone = backups[:-keep] if keep > 0 else backups
    for old in gone:
        old.unlink()
    return gone


@dataclass(frozen=True)
class Pruned:
    events: int
    conflicts: int
    batches: int
    heartbeats: int


RECEIVED_AT_INDEXED = ("events", "event_conflicts", "ingest_batches", "heartbeats")


def prune(db: Database, events_days: int = EVENTS_DAYS, heartbeats_days: int = HEARTBEATS_DAYS,
          now: dt.datetime | None = None) -> Pruned:
    """Deletes raw events (and their batches and conflicts) older than events_days and heartbeat
    history older than heartbeats_days, by the central's receipt time."""
    if events_days < 1 or heartbeats_days < 1:
        raise ValueError("retention periods are at least one day")
    now = now or utc_now()
    events_before = now - dt.timedelta(days=events_days)
    heartbeats_before = now - dt.timedelta(days=heartbeats_days)
    def count(s: Session, stmt: Delete) -> int:
        result: CursorResult[Any] = s.execute(stmt)  # type: ignore[assignment]
        return int(result.rowcount or 0)

    with db.transaction() as s:
        if s.get_bind().dialect.name == "postgresql":
            # The receipt-time indexes are BRIN (migration 0014_load): rows inserted since the last
            # prune are in ranges not summarised yet, which a BRIN scan reads whole. Summarising
            # them reads only those new pages; the deletes then touch the old ranges only.
            for table in RECEIVED_AT_INDEXED:
                s.execute(text("SELECT brin_summarize_new_values(CAST(:ix AS regclass))"),
                          {"ix": f"ix_{table}_received_at"})
        events = count(s, delete(StoredEvent).where(StoredEvent.received_at < events_before))
        conflicts = count(s, delete(EventConflict).where(EventConflict.received_at < events_before))
        batches = count(s, delete(IngestBatch).where(IngestBatch.received_at < events_before))
        heartbeats = count(s, delete(HeartbeatRow).where(HeartbeatRow.received_at < heartbeats_before))
    return Pruned(events, conflicts, batches, heartbeats)
