"""Ingestion benchmark: concurrent clients post event batches to a real central on loopback.

    python -m benchmarks.central [--backend sqlite|postgres|both] [--clients 4] [--batches 40] [--batch-size 500]

The server runs in its own process (`python -m central serve`), as in production, so the
load generator does not share its interpreter lock. PostgreSQL is a throwaway server with
default durability (fsync on); SQLite runs in WAL mode with synchronous=FULL.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from typing import Any

import httpx

from central.centres import load_toml, store_doc
from central.db import Database, migrate
from benchmarks.throwaway_pg import ThrowawayPostgres
from kiosk.contract.config import SAMPLE_CONFIG

SERVICES = ["TPHT", "DD", "XD", "DKKD", "CT", "GTVT"]
LEVELS = ["very_satisfied", "satisfied", "satisfied", "unsatisfied"]


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def make_batch(device_id: str, client: int, batch: int, size: int) -> bytes:
    """A realistic mix: per ticket issued, printed, called, served and rated (5 events)."""
    now = dt.datetime.now(dt.timezone.utc)
    events: list[dict[str, Any]] = []
    n = 0
    while len(events) < size:
        tid = f"b{client}-{batch}-{n}-{uuid.uuid4().hex[:8]}"
        service = SERVICES[n % len(SERVICES)]
        at = now - dt.timedelta(minutes=30) + dt.timedelta(seconds=n)
        counter = 1 + n % 8
        kinds = [
            ("ticket.issued", {"ticket_id": tid, "service_code": service, "day": now.date().isoformat(),
                               "number": 1 + (batch * size + n) % 700, "display_number": f"A{n:03d}",
                               "priority_group": "elderly" if n % 7 == 0 else None, "issued_at": _iso(at)}),
            ("ticket.printed", {"ticket_id": tid, "ok": True, "status": "ok"}),
            ("ticket.called", {"ticket_id": tid, "counter": counter, "officer": "nv01"}),
            ("ticket.served", {"ticket_id": tid, "counter": counter, "officer": "nv01",
                               "started_at": _iso(at + dt.timedelta(minutes=5)),
                               "completed_at": _iso(at + dt.timedelta(minutes=12))}),
            ("rating.recorded", {"rating_id": f"r-{tid}", "ticket_id": tid, "counter": counter, "officer": "nv01",
                                 "level": LEVELS[n % len(LEVELS)]}),
        ]
        for i, (kind, payload) in enumerate(kinds):
            events.append({"id": str(uuid.uuid4()), "type": kind,
                           "occurred_at": _iso(at + dt.timedelta(minutes=i * 3)), "payload": payload})
        n += 1
    events = events[:size - 1] + [{"id": str(uuid.uuid4()), "type": "device.heartbeat", "occurred_at": _iso(now),
                                   "payload": {"version": "bench", "uptime_s": 1.0, "outbox_backlog": 0}}]
    return json.dumps({"device_id": device_id, "sent_at": _iso(now), "events": events}).encode()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(db_url: str, label: str, clients: int, batches: int, size: int) -> dict[str, Any]:
    db = Database(db_url)
    migrate(db.engine)
    with db.transaction() as s:
        store_doc(s, load_toml(SAMPLE_CONFIG))
    db.close()
    admin, port = secrets.token_urlsafe(16), _free_port()
    server = subprocess.Popen([sys.executable, "-m", "central", "serve", "--db", db_url, "--port", str(port),
                               f"--admin-token={admin}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("central did not start: " + (server.stderr.read() if server.stderr else b"").decode()) from None
                time.sleep(0.1)
        auth = {"Authorization": f"Bearer {admin}"}
        devices = []
        for _ in range(clients):
            code = httpx.post(f"{url}/api/v1/admin/enrolment-codes", json={"role": "lobby"}, headers=auth).json()["code"]
            devices.append(httpx.post(f"{url}/api/v1/enrol", json={"code": code}).json())
        per_client = max(1, batches // clients)
        bodies = [[make_batch(d["device_id"], c, b, size) for b in range(per_client)] for c, d in enumerate(devices)]
        latencies: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()
        go = threading.Barrier(clients + 1)

        def client(i: int) -> None:
            headers = {"Authorization": f"Bearer {devices[i]['token']}", "Content-Type": "application/json"}
            with httpx.Client(base_url=url, headers=headers, timeout=120) as c:
                c.get("/healthz")
                go.wait()
                for body in bodies[i]:
                    t0 = time.perf_counter()
                    r = c.post("/api/v1/events", content=body)
                    took = time.perf_counter() - t0
                    ok = r.status_code == 200 and all(x["status"] == "accepted" for x in r.json()["results"])
                    with lock:
                        latencies.append(took)
                        if not ok:
                            failures.append(f"{r.status_code} {r.text[:200]}")

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        go.wait()
        start = time.perf_counter()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(30)
    total = len(latencies) * size
    lat = sorted(latencies)
    return {"backend": label, "events": total, "seconds": round(wall, 2), "events_per_s": round(total / wall),
            "p50_ms": round(1000 * statistics.median(lat), 1),
            "p95_ms": round(1000 * lat[min(len(lat) - 1, int(0.95 * len(lat)))], 1),
            "failures": len(failures), "first_failure": failures[0] if failures else None}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.central", description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--batches", type=int, default=40, help="batches in total (split over the clients)")
    p.add_argument("--batch-size", type=int, default=500)
    args = p.parse_args(argv)
    results = []
    with ExitStack() as stack:
        if args.backend in ("sqlite", "both"):
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="central-bench-"))
            results.append(run(f"sqlite:///{os.path.join(tmp, 'bench.db')}", "sqlite", args.clients, args.batches,
                               args.batch_size))
        if args.backend in ("postgres", "both"):
            pg = stack.enter_context(ThrowawayPostgres(durable=True))
            results.append(run(pg.create_database("bench"), "postgresql", args.clients, args.batches, args.batch_size))
    for r in results:
        print(f"{r['backend']:<11} {r['events']:>7} events in {r['seconds']:>6.2f} s = {r['events_per_s']:>6} events/s"
              f"   batch p50 {r['p50_ms']:>7.1f} ms  p95 {r['p95_ms']:>7.1f} ms   failures {r['failures']}")
        if r["first_failure"]:
            print(f"  first failure: {r['first_failure']}")
    return 1 if any(r["failures"] for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
