"""Fixtures: a real central on loopback (SQLite file or a throwaway PostgreSQL)."""
from __future__ import annotations

import itertools
import os
import uuid
from typing import Any, Iterator

import pytest
from central_helpers import Central, start

from benchmarks.throwaway_pg import PostgresUnavailable, ThrowawayPostgres


@pytest.fixture(scope="session")
def postgres() -> Iterator[ThrowawayPostgres]:
    try:
        server = ThrowawayPostgres().start()
    except PostgresUnavailable as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI needs PostgreSQL for the central tests: {exc}")
        pytest.skip(str(exc))
    yield server
    server.stop()


_names = itertools.count(1)


@pytest.fixture
def central(tmp_path: Any) -> Iterator[Central]:
    c = start(f"sqlite:///{tmp_path}/central.db")
    yield c
    c.embedded.stop()


@pytest.fixture
def pg_central(postgres: ThrowawayPostgres) -> Iterator[Central]:
    c = start(postgres.create_database(f"t{next(_names)}_{uuid.uuid4().hex[:6]}"))
    yield c
    c.embedded.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_central(request: pytest.FixtureRequest) -> Central:
    return request.getfixturevalue("central" if request.param == "sqlite" else "pg_central")
