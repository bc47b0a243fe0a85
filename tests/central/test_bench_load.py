"""`kiosk bench load` scaled down: a real central with 2 workers on a throwaway PostgreSQL, 3 centres
and 20 devices for 0.3 minutes, then a small year of data and every report (issue 16)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.throwaway_pg import PostgresUnavailable, find_bindir

pytestmark = [pytest.mark.slow, pytest.mark.long, pytest.mark.postgres]
ROOT = Path(__file__).resolve().parents[2]


def test_scaled_down_province_loses_nothing(tmp_path: Path) -> None:
    try:
        find_bindir()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    out = tmp_path / "figures.json"
    run = subprocess.run([sys.executable, "-m", "benchmarks.load", "--centres", "3", "--devices", "20",
                          "--minutes", "0.3", "--workers", "2", "--year", "--year-tickets", "2000", "--runs", "1",
                          "--json", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.exists(), run.stdout + run.stderr
    figures = json.loads(out.read_text())
    # Latency targets are for a quiet server (the shared test machine is not): not asserted here.
    assert figures["errors"] == {}, figures["errors"]
    assert figures["accepted"] > 0 and figures["accepted"] == figures["stored"]
    assert figures["pushed"] == figures["push_expected"]
    assert figures["roles"] == {"lobby": 3, "counter": 9, "display": 8}
    for name in ("POST /events (heartbeat)", "POST /events (lobby tickets)", "POST /counters/N/call-next",
                 "GET /calls/stream (to hello)"):
        assert figures["endpoints"][name]["requests"] > 0, name
    assert figures["year_tickets"] > 0
    assert len(figures["reports"]) == 13  # 9 API reports and the 4 report pages
