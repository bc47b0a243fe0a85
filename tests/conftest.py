import datetime as dt
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("KIVY_NO_ARGS", "1")
# The suite's centrals listen on http://127.0.0.1: accepted here by the explicit insecure flag
# (a device refuses http:// otherwise; tests/test_enrol_https.py lifts it)
os.environ["KIOSK_INSECURE_HTTP"] = "1"

from kiosk.contract.config import SAMPLE_CONFIG, load_config  # noqa: E402

pytest_plugins = ["tests.sync_fixtures"]

UTC = dt.timezone.utc


class FakeClock:
    """A settable clock for domain tests (the real one is used end to end)."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kw) -> None:
        self.now += dt.timedelta(**kw)


@pytest.fixture
def config():
    return load_config(SAMPLE_CONFIG)


@pytest.fixture
def monday_9am():
    # Monday 23 Nov 2026, 09:00 in Asia/Ho_Chi_Minh (UTC+7)
    return FakeClock(dt.datetime(2026, 11, 23, 2, 0, tzinfo=UTC))


@pytest.fixture
def pty():
    """A raw pseudo-terminal pair: (the device end's fd, the path a port opens)."""
    from devices.serial.ptys import open_pty_pair
    master, slave, path = open_pty_pair()
    yield master, path
    for fd in (master, slave):
        try:
            os.close(fd)
        except OSError:
            pass
