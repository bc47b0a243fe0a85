"""Fixtures of the sync tests (tests/test_sync*.py), loaded by tests/conftest.py: a real central on
loopback (SQLite file) and a fault proxy in front of it. A test module's own `central` wins."""
from __future__ import annotations

import pytest

from benchmarks.sync_support import start_central
from tests.faultproxy import FaultProxy


@pytest.fixture
def central(tmp_path):
    c = start_central(tmp_path)
    yield c
    c.stop()


@pytest.fixture
def proxy(central):
    host, port = central.url.removeprefix("http://").split(":")
    p = FaultProxy(host, int(port))
    yield p
    p.close()
