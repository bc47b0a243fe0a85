"""Issue 3 figure: a 100,000-event backlog (as after a long outage) flushed to the central on
loopback, and how much a UI-like thread's 30 fps frame loop is delayed meanwhile.

    kiosk bench sync [--events 100000]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

from benchmarks.procstat import stop

ROOT = Path(__file__).resolve().parent.parent

CENTRAL = r"""
import sys, time
sys.path.insert(0, sys.argv[2])
from central.embedded import start_embedded
c = start_embedded(sys.argv[1])
print(c.url, c.admin_token, flush=True)
while True:
    time.sleep(3600)
"""


def fill_backlog(core, n: int, block: tuple[int, int]) -> None:
    """n ticket.issued events, as the outbox holds them after an outage of the last ~2 days: built
    with the kiosk's event model, numbered in this kiosk's own offline fallback block."""
    from collections import Counter
    from zoneinfo import ZoneInfo

    from sqlalchemy import insert

    from kiosk.contract.wire import TicketIssued
    from kiosk.storage.outbox import OutboxEvent
    tz = ZoneInfo(core.config.centre.timezone)
    step = dt.timedelta(seconds=1.5)
    start = dt.datetime.now(dt.timezone.utc) - step * (n + 60)
    services = [s for s in core.config.services]
    used: Counter[tuple[str, str]] = Counter()
    rows = []
    for i in range(n):
        service = services[i % len(services)]
        at = start + step * i
        day = at.astimezone(tz).date().isoformat()
        number = block[0] + used[service.code, day]
        used[service.code, day] += 1
        tid = str(uuid.uuid4())
        payload = TicketIssued(ticket_id=tid, service_code=service.code, day=day, number=number,
                               display_number=f"{service.prefix}{number:05d}", priority_group=None, issued_at=at,
                               lease_source="fallback", device_id=core.config.device.id)
        rows.append({"event_id": tid, "type": payload.TYPE, "occurred_at": at, "attempts": 0,
                     "payload": json.dumps(payload.wire())})
    with core.db.transaction() as s:
        for i in range(0, n, 5000):
            s.execute(insert(OutboxEvent), rows[i:i + 5000])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="kiosk bench sync")
    p.add_argument("--events", type=int, default=100_000)
    args = p.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from benchmarks.sync_support import bench_document, enrolled_config
    from kiosk.contract.config import Numbering
    from kiosk.contract.numbering import fallback_block
    from kiosk.bootstrap import build_core
    from kiosk.sync.client import CentralClient
    from kiosk.sync.sender import OutboxSender
    import requests

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        proc = subprocess.Popen([sys.executable, "-c", CENTRAL, f"sqlite:///{tmp / 'central.db'}", str(ROOT)],
                                stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout is not None
            url, admin_token = proc.stdout.readline().split()

            central = SimpleNamespace(url=url, admin_headers={"Authorization": f"Bearer {admin_token}"})
            document = bench_document()  # 5-digit numbers, large offline blocks: room for the backlog
            requests.put(f"{url}/api/v1/admin/centres", json=document, headers=central.admin_headers,
                         timeout=10).raise_for_status()
            config = enrolled_config(central)
            core = build_core(config, tmp / "kiosk")
            block = fallback_block(Numbering(**document["numbering"]), 99_999, config.central.device_index)
            assert block is not None
            t0 = time.perf_counter()
            fill_backlog(core, args.events, block)
            fill_s = time.perf_counter() - t0
            sender = OutboxSender(core.db, CentralClient(url, config.central.token, timeout=30), config.device.id,
                                  core.health, batch_size=config.central.batch_size)
            lags: list[float] = []
            done = threading.Event()

            def frames() -> None:  # a UI thread drawing at 30 fps: how late is each frame?
                period = 1 / 30
                nxt = time.perf_counter() + period
                while not done.is_set():
                    time.sleep(max(0.0, nxt - time.perf_counter()))
                    now = time.perf_counter()
                    lags.append((now - nxt) * 1000)
                    nxt = max(nxt + period, now)

            ui = threading.Thread(target=frames)
            ui.start()
            t0 = time.perf_counter()
            result = sender.flush()
            flush_s = time.perf_counter() - t0
            done.set()
            ui.join()
            lags.sort()
            print(json.dumps({
                "events": args.events, "backlog_fill_s": round(fill_s, 2), "delivered": result.delivered,
                "dead_lettered": result.dead_lettered, "error": result.error, "batch_size": config.central.batch_size,
                "flush_s": round(flush_s, 2), "events_per_s": round(result.delivered / flush_s),
                "ui_frame_lag_ms": {"p50": round(statistics.median(lags), 2), "p95": round(lags[int(0.95 * (len(lags) - 1))], 2),
                                    "max": round(lags[-1], 2)},
            }, indent=2))
            core.close()
        finally:
            stop(proc, 10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
