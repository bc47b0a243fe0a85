"""SQLite/SQLAlchemy set-up shared by the device database and the central.

One engine recipe for a store that may lose power at any moment, one UTC column type, one
Alembic runner. Each side keeps its own models, migrations and busy timeout.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Naive UTC in the database (SQLite has no zones), aware UTC in Python."""
    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: every stored moment is timezone-aware")
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.timezone.utc)

    def bind_processor(self, dialect: Any) -> Any:
        """On SQLite, both steps in one: the text SQLAlchemy's DATETIME stores
        ("YYYY-MM-DD HH:MM:SS.ffffff"), made by isoformat (C) instead of %-formatting. Bulk
        ingestion binds some 100,000 moments a second: this was its largest single cost."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        utc = dt.timezone.utc

        def process(value: dt.datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError("naive datetime: every stored moment is timezone-aware")
            if value.tzinfo is not utc:
                value = value.astimezone(utc)
            return value.isoformat(" ", "microseconds")[:26]
        return process


# execution option of the connections that only read (see sqlite_engine)
READ_ONLY = "read_only"


def sqlite_engine(url: str, busy_timeout_s: float, **options: Any) -> Engine:
    """An SQLite engine (url "sqlite:///path") in WAL mode with synchronous=FULL, foreign keys on,
    secure_delete on and every transaction started with BEGIN IMMEDIATE. options: more create_engine arguments."""
    engine = create_engine(url, connect_args={"timeout": busy_timeout_s, "check_same_thread": False}, **options)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (IMMEDIATE), so the driver must not
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed transaction (a ticket, an acknowledged batch) survives a power cut;
        # NORMAL may roll back the last ones.
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        # Deleted and overwritten content is zeroed, not left in free pages: a citizen's phone
        # number purged at day end (docs/notify.md) is gone from the file, not only from the tables.
        cur.execute("PRAGMA secure_delete=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # The write lock at the start: read-then-write transactions (number allocation, call-next,
        # leases) cannot interleave and no lock upgrade can deadlock. A connection marked
        # read_only (engine.execution_options(read_only=True)) begins deferred: in WAL mode it reads
        # a snapshot without the write lock, so a long report does not stall call-next.
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

    return engine


# pg_advisory_xact_lock key of the migrations ("kiosk" in ASCII)
MIGRATION_LOCK = 0x6B696F736B


def migrate(engine: Engine, script_location: Path) -> None:
    """Applies the Alembic migrations in script_location inside one transaction, one migrator at a time."""
    from alembic import command  # Alembic is loaded only when a database is opened
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(script_location))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # one migrator at a time (several hosts or processes starting together); SQLite's
            # BEGIN IMMEDIATE above is already that lock
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def pending_revision(engine: Engine, script_location: Path, version_table: str) -> str | None:
    """The head revision the database still lacks, or None when it is up to date."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(script_location)).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn, opts={"version_table": version_table}).get_current_revision()
    return None if current == head else head
