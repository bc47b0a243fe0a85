"""The device database: SQLite (kiosk.contract.sqlstore) for a device that may lose power at any moment."""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy.orm import Session, sessionmaker

from kiosk.contract.sqlstore import migrate, sqlite_engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class StorageError(Exception):
    """Storage cannot take a write (disk full, read-only, corrupt); str() explains it."""


class Database:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.engine = sqlite_engine(f"sqlite:///{path}", busy_timeout_s=15)
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
        migrate(db.engine, MIGRATIONS)
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"{path}: {_explain(exc)}") from None
    except Exception as exc:
        orig = getattr(exc, "orig", None)
        if isinstance(orig, sqlite3.DatabaseError):
            raise StorageError(f"{path}: {_explain(orig)}") from None
        raise
    return db


__all__ = ["Database", "StorageError", "open_database"]
