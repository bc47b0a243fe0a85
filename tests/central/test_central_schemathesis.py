"""The HTTP contract checked by a real tool: schemathesis (every check) against a live central.

One run per backend with three tokens (schemathesis.toml beside this file says which operation
uses which, and lists the documented exceptions to the checks): a counter device's, a lobby's
and an admin's. Example counts are sized for CI: KIOSK_SCHEMATHESIS_EXAMPLES (default 5) per
operation, a fixed seed unless KIOSK_SCHEMATHESIS_SEED says otherwise.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from central_helpers import Central

CONFIG = Path(__file__).with_name("schemathesis.toml")
EXAMPLES = os.environ.get("KIOSK_SCHEMATHESIS_EXAMPLES", "5")
SEED = os.environ.get("KIOSK_SCHEMATHESIS_SEED", "20261129")


@pytest.mark.long
def test_schemathesis_finds_nothing(any_central: Central) -> None:
    tokens = {"KIOSK_ST_LOBBY": any_central.enrol("lobby").token, "KIOSK_ST_COUNTER": any_central.enrol("counter").token,
              "KIOSK_ST_ADMIN": any_central.embedded.admin_token}
    cmd = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run",
           f"{any_central.url}/openapi.json", "--checks", "all", "--max-examples", EXAMPLES, "--seed", SEED,
           "--workers", "1", "--no-shrink"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env={**os.environ, **tokens})
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    selected, tested = (re.search(rf"{word}: (\d+)/?", run.stdout) for word in ("Selected", "Tested"))
    assert selected and tested and selected.group(1) == tested.group(1), run.stdout[-3000:]  # every operation
