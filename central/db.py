"""Database plumbing shared by every concern: declarative base, engines, migrations, read transactions."""
from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

from sqlalchemy import JSON, Connection, Engine, MetaData, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from kiosk.contract.sqlstore import READ_ONLY, UTCDateTime, pending_revision, sqlite_engine
from kiosk.contract.sqlstore import migrate as migrate_with

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Own version table: a central may share a database file with other alembic users (kiosk demo).
VERSION_TABLE = "central_alembic_version"

# Deterministic constraint names so the same migrations work (and can be altered) on both dialects.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class JsonText(str):
    """A JSON value already serialised (an event's payload is dumped once, for its hash and its row)."""


def to_json(value: Any) -> str:
    return value if isinstance(value, JsonText) else json.dumps(value)


_ROWCOUNT = "central.executemany_rowcount"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return sqlite_engine(url, busy_timeout_s=30, json_serializer=to_json)
    # Bulk inserts go as psycopg's own executemany (one short statement, pipelined): a multi-row
    # VALUES text of 500 rows costs psycopg more to parse on the client than the server to run.
    # Per process: `kiosk central serve --workers N` opens N of these pools (docs/deploy.md sizes
    # PostgreSQL's max_connections for them).
    pool_size = int(os.environ.get("KIOSK_CENTRAL_DB_POOL", "8"))
    overflow = int(os.environ.get("KIOSK_CENTRAL_DB_OVERFLOW", "4"))
    engine = create_engine(url, pool_size=pool_size, max_overflow=overflow, pool_pre_ping=True,
                           use_insertmanyvalues=False, json_serializer=to_json,
                           connect_args={"prepare_threshold": None})

    @event.listens_for(engine, "after_cursor_execute")
    def _count(conn: Connection, cursor: Any, _sql: str, _params: Any, _context: Any, many: bool) -> None:
        # SQLAlchemy answers -1 for an executemany's rowcount on psycopg; psycopg itself sums it
        conn.info[_ROWCOUNT] = cursor.rowcount if many else -1

    return engine


def migrate(engine: Engine) -> None:
    """Brings the schema to the current version (`kiosk central migrate`): one migrator at a time."""
    migrate_with(engine, MIGRATIONS)


class SchemaError(RuntimeError):
    """The database is missing or behind this version's schema: `kiosk central migrate` first."""


def open_database(url: str) -> "Database":
    """The central database at url, migrated to the current schema (tests, the embedded demo)."""
    db = Database(url)
    migrate(db.engine)
    return db


def connect(url: str) -> "Database":
    """The central database at url as it is: never created nor migrated (serving workers, admin
    commands). Raises SchemaError, with what to do, when it is missing or not migrated."""
    if url.startswith("sqlite") and "///" in url:
        path = url.split("///", 1)[1]
        if path and path != ":memory:" and not Path(path).exists():
            raise SchemaError(f"no central database at {path}: create it with `kiosk central migrate --db {url}` "
                              "or give the right one with --db / $KIOSK_CENTRAL_DB")
    db = Database(url)
    try:
        missing = pending_revision(db.engine, MIGRATIONS, VERSION_TABLE)
    except Exception:
        db.close()
        raise
    if missing is not None:
        db.close()
        raise SchemaError(f"the central database is not at this version's schema ({missing}): "
                          "run `kiosk central migrate` first")
    return db


def dialect_insert(session: Session, table: Table | Any) -> Any:
    """INSERT with .on_conflict_do_nothing() for the session's dialect."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database dialect {name!r} (use SQLite or PostgreSQL)")


def inserted_all(conn: Connection, result: Any, expected: int) -> bool:
    """Whether an executemany INSERT ... ON CONFLICT DO NOTHING just run on conn stored every
    row, as the driver counts them (SQLite and psycopg sum the rows of every parameter set);
    when it cannot say, False: the caller reads its rows back to see which were stored."""
    count = result.rowcount
    if count is None or count < 0:
        count = conn.info.get(_ROWCOUNT, -1)
    return bool(count == expected)


T = TypeVar("T")


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # reads: deferred transactions on SQLite (a snapshot, no write lock); the same on PostgreSQL
        self.read_sessions = sessionmaker(self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)
        # SQLite has one writer at a time and every transaction here is BEGIN IMMEDIATE:
        # queueing on a lock in this process is fairer and faster than SQLite's busy-wait
        # sleeps (busy_timeout still covers other processes, e.g. the admin CLI).
        self._local_writer = threading.RLock() if self.engine.dialect.name == "sqlite" else None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        if self._local_writer is None:
            with self.sessions() as session, session.begin():
                yield session
            return
        with self._local_writer, self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A transaction that only reads: it neither takes SQLite's write lock nor waits for this
        process's writers, so a long report does not hold up call-next. Writes in it are an error."""
        with self.read_sessions() as session, session.begin():
            yield session
            if session.new or session.dirty or session.deleted:
                raise RuntimeError("Database.reading() is for reads only")

    def run(self, work: Callable[[Session], T], attempts: int = 5) -> T:
        """Runs work in one transaction, retrying PostgreSQL deadlocks/serialization failures."""
        for attempt in range(attempts):
            try:
                with self.transaction() as session:
                    return work(session)
            except OperationalError as exc:
                code = getattr(exc.orig, "sqlstate", None)
                if code not in ("40001", "40P01") or attempt == attempts - 1:
                    raise
                time.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.engine.dispose()
