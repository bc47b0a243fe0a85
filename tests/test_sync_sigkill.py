"""The kiosk killed (SIGKILL) again and again while issuing tickets and syncing: every ticket
committed before a kill reaches the central exactly once."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import requests
from sqlalchemy import func, select

from benchmarks.sync_support import enrolled_config, sample_document, start_central
from kiosk.bootstrap import build_core
from kiosk.contract.config import parse_config
from kiosk.storage.tickets import Ticket
from kiosk.sync.client import CentralClient
from kiosk.sync.service import SyncService
from tests.conftest import ROOT

CHILD = r"""
import datetime as dt, json, sys, time, uuid
sys.path.insert(0, sys.argv[3])
from kiosk.bootstrap import build_core
from kiosk.contract.config import parse_config
from kiosk.sync.client import CentralClient
from kiosk.sync.service import SyncService
config = parse_config(json.load(open(sys.argv[1])))
start = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)
base = time.monotonic() - float(sys.argv[4])  # the clock goes on from where the last run was killed
clock = lambda: start + dt.timedelta(seconds=time.monotonic() - base)  # a working Monday, moving
core = build_core(config, __import__("pathlib").Path(sys.argv[2]), clock=clock)
sync = SyncService(core, CentralClient(config.central.url, config.central.token, timeout=2), tick_s=0.02)
sync.start()
i = 0
try:
    while True:
        t = core.desk.issue(config.services[i % 4].code, None, str(uuid.uuid4()))
        print(t.ticket_id, flush=True)  # acknowledged: committed
        i += 1
        time.sleep(0.002)  # the pace of the ticket stream (the sync runs between), not a wait
except BaseException:
    __import__("traceback").print_exc()
    __import__("os")._exit(3)  # a refused ticket ends the stream: the test sees it, never waits on it
"""


def unlimited(document: dict) -> dict:
    """No quota and no rate limit, leases large enough for hundreds of tickets a second: only the
    kill may end a kiosk's stream of tickets."""
    document["lobby"]["rate_limit"] = {"tickets": 100000, "per_seconds": 1}
    document.setdefault("numbering", {}).update(lease_size=100, lease_low_water=50)
    document["lobby"]["double_tap_guard_s"] = 0
    for service in document["services"]:
        service["daily_quota"] = None
        for window in service.get("windows", []):
            window["quota"] = None
    return document


@pytest.mark.long
@pytest.mark.slow
def test_sigkill_loop_every_committed_ticket_reaches_central_exactly_once(tmp_path):
    central = start_central(tmp_path)
    try:
        # the centre document the sync pulls must not bring the sample's quotas and rate limit back
        requests.put(f"{central.url}/api/v1/admin/centres", json=unlimited(sample_document()),
                     headers=central.admin_headers, timeout=10).raise_for_status()
        config = enrolled_config(central)
        cfg_file = tmp_path / "device.json"
        cfg_file.write_text(json.dumps(unlimited(config.model_dump(mode="json"))))
        data_dir = tmp_path / "kiosk"
        acknowledged: list[str] = []
        elapsed = 0.0
        for round_ in range(8):
            proc = subprocess.Popen([sys.executable, "-c", CHILD, str(cfg_file), str(data_dir), str(ROOT), str(elapsed)],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            t0 = time.monotonic()
            # killed while issuing (and syncing), after a number of tickets that differs each round
            wanted, lines = 40 + 15 * round_, 0
            while lines < wanted and time.monotonic() - t0 < 60:
                line = proc.stdout.readline()
                if not line:
                    break
                acknowledged.append(line.strip())
                lines += 1
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            errors = proc.stderr.read()
            proc.stdout.close()
            proc.stderr.close()
            elapsed += time.monotonic() - t0
            assert lines == wanted, f"round {round_}: killed after {lines} of {wanted} tickets\n{errors[-2000:]}"
        # the kiosk comes back for good and catches up
        core = build_core(parse_config(json.loads(cfg_file.read_text())), data_dir)
        sync = SyncService(core, CentralClient(config.central.url, config.central.token, timeout=5))
        deadline = time.monotonic() + 60
        while sync.status().backlog:
            assert time.monotonic() < deadline, f"a backlog of {sync.status().backlog} left after 60 s"
            sync.run_once()
        with core.db.transaction() as s:
            committed = set(s.scalars(select(Ticket.id)).all())
        assert set(acknowledged) <= committed, "an acknowledged ticket was lost on the kiosk"
        from central.events import StoredEvent
        with central.db.transaction() as s:
            stored = s.execute(select(StoredEvent.id, func.count()).where(StoredEvent.type == "ticket.issued")
                               .group_by(StoredEvent.id)).all()
        at_central = {tid: n for tid, n in stored}
        missing = committed - set(at_central)
        assert not missing, f"{len(missing)} committed tickets never reached the central"
        assert all(n == 1 for n in at_central.values())
        assert set(at_central) == committed  # nothing invented either
        core.close()
    finally:
        central.stop()
