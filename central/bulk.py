"""Bulk writes of event ingestion, one statement per table and batch, straight to the driver.

A 500-event batch writes some 1,500 rows. Through SQLAlchemy's executemany each row's
parameters are compiled and bound one by one (a third of the batch's transaction), and on
PostgreSQL each row is a statement of its own that the server parses, plans and runs. Here:
- PostgreSQL: one `INSERT ... SELECT * FROM unnest(%b::type[], ...)` (or `UPDATE ... FROM
  unnest(...)`) per table, each column sent as one array in binary (psycopg quotes the elements
  of a text array with a regular expression each: 9 times the cost);
- SQLite: the driver's own executemany of plain tuples (one prepared statement, in process).
Values are stored exactly as the ORM stores them (kiosk.contract.sqlstore.UTCDateTime: naive
UTC; JSON: the text of central.db's serialiser), so readers see no difference.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any, Callable, Sequence, cast

from sqlalchemy import JSON, ColumnElement, Integer, String, Table, any_, bindparam
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from central.db import to_json
from kiosk.contract.sqlstore import UTCDateTime

_UTC = dt.timezone.utc


def _naive_utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime: every stored moment is timezone-aware")
    return (value if value.tzinfo is _UTC else value.astimezone(_UTC)).replace(tzinfo=None)


def _sqlite_moment(value: dt.datetime | None) -> str | None:
    # the text SQLAlchemy's SQLite DATETIME stores, as UTCDateTime.bind_processor makes it
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime: every stored moment is timezone-aware")
    return (value if value.tzinfo is _UTC else value.astimezone(_UTC)).isoformat(" ", "microseconds")[:26]


def _converter(table: Table, column: str, dialect: str) -> Callable[[Any], Any] | None:
    kind = table.c[column].type
    if isinstance(kind, UTCDateTime):
        return _sqlite_moment if dialect == "sqlite" else _naive_utc
    if isinstance(kind, JSON):
        return to_json
    return None


def _columns(session: Session, table: Table, columns: Sequence[str],
             rows: Sequence[dict[str, Any]]) -> tuple[str, list[list[Any]]]:
    """The dialect's name and each column's values, converted for the driver."""
    dialect = session.get_bind().dialect.name
    out = []
    for name in columns:
        convert = _converter(table, name, dialect)
        values = [r[name] for r in rows]
        out.append(values if convert is None else [convert(v) for v in values])
    return dialect, out


@functools.cache
def _postgres_array(table: Table, column: str) -> str:
    # without the length: an array cast to VARCHAR(n)[] would cut a long value silently, where the
    # column itself refuses it
    base = re.sub(r"\(\d+\)", "", table.c[column].type.compile(dialect=postgresql.dialect()))
    return f"{base}[]"


def insert_new(session: Session, table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> int:
    """INSERT ... ON CONFLICT DO NOTHING of rows (each has every one of `columns`, unset ones None);
    returns how many rows were stored (fewer: another transaction stored some first)."""
    if not rows:
        return 0
    dialect, values = _columns(session, table, columns, rows)
    names = ", ".join(f'"{c}"' for c in columns)
    conn = session.connection()
    if dialect == "postgresql":
        arrays = ", ".join(f"%b::{_postgres_array(table, c)}" for c in columns)
        sql = f'INSERT INTO "{table.name}" ({names}) SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING'
        return int(conn.exec_driver_sql(sql, tuple(values)).rowcount)
    if dialect != "sqlite":
        raise RuntimeError(f"unsupported database dialect {dialect!r} (use SQLite or PostgreSQL)")
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(columns))}) ON CONFLICT DO NOTHING'
    return int(conn.exec_driver_sql(sql, list(zip(*values, strict=True))).rowcount)


def update_rows(session: Session, table: Table, keys: Sequence[str], columns: Sequence[str],
                rows: Sequence[dict[str, Any]]) -> None:
    """Sets `columns` of each row found by its `keys` (the primary key) to the row's values."""
    if not rows:
        return
    dialect, values = _columns(session, table, [*keys, *columns], rows)
    conn = session.connection()
    if dialect == "postgresql":
        every = [*keys, *columns]
        arrays = ", ".join(f"%b::{_postgres_array(table, c)}" for c in every)
        alias = ", ".join(f'"v_{c}"' for c in every)
        sets = ", ".join(f'"{c}" = v."v_{c}"' for c in columns)
        where = " AND ".join(f'"{table.name}"."{k}" = v."v_{k}"' for k in keys)
        conn.exec_driver_sql(f'UPDATE "{table.name}" SET {sets} FROM unnest({arrays}) AS v({alias}) WHERE {where}',
                             tuple(values))
        return
    sets = ", ".join(f'"{c}" = ?' for c in columns)
    where = " AND ".join(f'"{k}" = ?' for k in keys)
    ordered = values[len(keys):] + values[:len(keys)]  # SET's values first, then the key's
    conn.exec_driver_sql(f'UPDATE "{table.name}" SET {sets} WHERE {where}', list(zip(*ordered, strict=True)))


def among(session: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL `column = ANY(array)`: one parameter instead of one per
    value (a 500-value IN list is a long statement that SQLAlchemy renders and psycopg parses
    anew each time: more than the select itself)."""
    if session.get_bind().dialect.name != "postgresql":
        return cast(ColumnElement[bool], column.in_(values))
    # the array without a length: a cast to VARCHAR(n)[] would cut a long value, which might match
    element = Integer() if isinstance(column.type, Integer) else String()
    return cast(ColumnElement[bool], column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(element))))
