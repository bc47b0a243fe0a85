"""SQLite engine tuned for a device that may lose power at any moment."""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class StorageError(Exception):
    """Storage cannot take a write (disk full, read-only, corrupt); str() explains it."""


def _make_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 15, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: sqlite3.Connection, _record) -> None:
        # We issue BEGIN ourselves (IMMEDIATE), so the driver must not.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed ticket survives a power cut (NORMAL may roll back the last ones).
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=15000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        # Take the write lock at the start: number allocation reads then writes.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def migrate(engine: Engine, script_location: Path = MIGRATIONS) -> None:
    """Applies the Alembic migrations in script_location (the device's by default; the central
    passes its own) inside one transaction."""
    from alembic import command
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(script_location))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Database:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.engine = _make_engine(path)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One durable transaction; storage faults come out as StorageError."""
        session = self._sessions()
        try:
            with session.begin():
                yield session
        except sqlite3.OperationalError as exc:
            raise StorageError(_explain(exc)) from exc
        except Exception as exc:
            orig = getattr(exc, "orig", None)
            if isinstance(orig, sqlite3.OperationalError):
                raise StorageError(_explain(orig)) from exc
            raise
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()


def _explain(exc: Exception) -> str:
    text = str(exc)
    if "disk is full" in text or "database or disk is full" in text:
        return "the disk is full: free space on the device (old logs, previews)"
    if "readonly" in text:
        return "the database is read-only: check the data folder's permissions"
    return f"storage error: {text}"


def open_database(path: str | Path) -> Database:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create the data folder {path.parent}: {exc.strerror}") from None
    db = Database(path)
    try:
        migrate(db.engine)
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"{path}: {_explain(exc)}") from None
    except Exception as exc:
        orig = getattr(exc, "orig", None)
        if isinstance(orig, sqlite3.DatabaseError):
            raise StorageError(f"{path}: {_explain(orig)}") from None
        raise
    return db


__all__ = ["Database", "StorageError", "open_database", "migrate"]
