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


def test_the_per_endpoint_profile_runs_and_counts_cpu_and_statements() -> None:
    try:
        find_bindir()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    run = subprocess.run([sys.executable, "-m", "benchmarks.load_profile", "--requests", "3", "--poll-centres", "3",
                          "--profile", "GET /config (304)", "--top", "5"], cwd=ROOT, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    rows = {line[:34].strip(): line[34:].split() for line in run.stdout.splitlines() if line.startswith("  ")}
    for name in ("POST /events (heartbeat)", "POST /events (lobby tickets)", "GET /config (304)",
                 "POST /counters/N/call-next", "POST /counters/N/complete", "GET /calls/stream (to hello)"):
        cpu_ms, _p50, statements = (float(x) for x in rows[name])
        assert cpu_ms > 0 and statements >= 1, name
    assert float(rows["GET /config (304)"][2]) == 1.0  # the ETag alone
    assert "3 centres listened" in run.stdout and "cProfile of GET /config (304)" in run.stdout
