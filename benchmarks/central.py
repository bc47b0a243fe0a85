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
from zoneinfo import ZoneInfo

import httpx

from benchmarks.procstat import cpu_s, stop, tree_cpu_s
from benchmarks.sync_support import bench_document
from benchmarks.throwaway_pg import ThrowawayPostgres
from central.centres import parse_doc, store_doc
from central.db import Database, migrate
from kiosk.contract.config import Numbering
from kiosk.contract.events import Event, iso
from kiosk.contract.numbering import fallback_block
from kiosk.contract.wire import DeviceHeartbeat, RatingLevel, RatingRecorded, TicketCalled, TicketIssued, TicketPrinted, TicketServed

SERVICES = ["TPHT", "DD", "XD", "DKKD", "CT", "GTVT"]
LEVELS: list[RatingLevel] = ["very_satisfied", "satisfied", "satisfied", "unsatisfied"]
BENCH_NUMBERING = Numbering(**bench_document()["numbering"])
TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # the sample centre's


def _body(device_id: str, events: list[Event]) -> bytes:
    now = dt.datetime.now(dt.timezone.utc)
    beat = Event(DeviceHeartbeat(version="bench", uptime_s=1.0, outbox_backlog=0), occurred_at=now)
    return json.dumps({"device_id": device_id, "sent_at": iso(now),
                       "events": [e.wire() for e in [*events, beat]]}).encode()


def make_batches(lobby: dict[str, Any], counter: dict[str, Any], client: int, tickets: int,
                 size: int) -> list[tuple[dict[str, Any], bytes]]:
    """A realistic mix, built with the kiosk's own event models: per ticket the lobby's issued and
    printed events (numbered in its own offline block), the counter's called, served and rating
    (5 events). Each batch comes from the device that says it, ends with a heartbeat and holds
    `size` events; a counter batch follows the lobby batch of its tickets."""
    now = dt.datetime.now(dt.timezone.utc)
    day = now.astimezone(TZ).date().isoformat()
    first = fallback_block(BENCH_NUMBERING, 99_999, lobby["device_index"])[0]  # type: ignore[index]
    issued: list[Event] = []
    served: list[Event] = []
    for n in range(tickets):
        tid = f"b{client}-{n}-{uuid.uuid4().hex[:8]}"
        service = SERVICES[n % len(SERVICES)]
        number = first + n // len(SERVICES)
        at = now - dt.timedelta(minutes=30) + dt.timedelta(seconds=n % 600)
        counter_no = 1 + n % 8
        begin, done = at + dt.timedelta(minutes=5), at + dt.timedelta(minutes=12)
        issued += [Event(TicketIssued(ticket_id=tid, service_code=service, day=day, number=number,
                                      display_number=f"A{number:05d}", issued_at=at, lease_source="fallback",
                                      priority_group="elderly" if n % 7 == 0 else None), occurred_at=at),
                   Event(TicketPrinted(ticket_id=tid, ok=True, status="ok"), occurred_at=at)]
        served += [Event(TicketCalled(ticket_id=tid, counter=counter_no, officer="nv01"), occurred_at=begin),
                   Event(TicketServed(ticket_id=tid, counter=counter_no, officer="nv01", started_at=begin,
                                      completed_at=done), occurred_at=done),
                   Event(RatingRecorded(rating_id=f"r-{tid}", ticket_id=tid, counter=counter_no, officer="nv01",
                                        level=LEVELS[n % len(LEVELS)]), occurred_at=done)]
    out: list[tuple[dict[str, Any], bytes]] = []
    per = size - 1
    for i in range(0, max(len(issued), len(served)), per):
        if issued[i:i + per]:
            out.append((lobby, _body(lobby["device_id"], issued[i:i + per])))
        if served[i:i + per]:
            out.append((counter, _body(counter["device_id"], served[i:i + per])))
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(db_url: str, label: str, clients: int, batches: int, size: int,
        db_pid: int | None = None) -> dict[str, Any]:
    """db_pid: the database server's process, when it runs here (its CPU per event is reported too)."""
    db = Database(db_url)
    migrate(db.engine)
    with db.transaction() as s:
        store_doc(s, parse_doc(bench_document()))
    db.close()
    admin, port = secrets.token_urlsafe(16), _free_port()
    server = subprocess.Popen([sys.executable, "-m", "central", "serve", "--db", db_url, "--port", str(port)],
                              env={**os.environ, "KIOSK_CENTRAL_ADMIN_TOKEN": admin},  # never on a command line
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
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

        def enrol(role: str) -> dict[str, Any]:
            body = {"role": role, **({"counters": list(range(1, 9))} if role == "counter" else {})}
            code = httpx.post(f"{url}/api/v1/admin/enrolment-codes", json=body, headers=auth).json()["code"]
            return dict(httpx.post(f"{url}/api/v1/enrol", json={"code": code}).json())
        pairs = [(enrol("lobby"), enrol("counter")) for _ in range(clients)]
        tickets = max(1, batches // clients) * size // 5  # 5 events a ticket
        bodies = [make_batches(lobby, counter, c, tickets, size) for c, (lobby, counter) in enumerate(pairs)]
        latencies: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()
        go = threading.Barrier(clients + 1)

        def client(i: int) -> None:
            with httpx.Client(base_url=url, headers={"Content-Type": "application/json"}, timeout=120) as c:
                c.get("/healthz")
                go.wait()
                for device, body in bodies[i]:
                    t0 = time.perf_counter()
                    r = c.post("/api/v1/events", content=body, headers={"Authorization": f"Bearer {device['token']}"})
                    took = time.perf_counter() - t0
                    ok = r.status_code == 200 and all(x["status"] == "accepted" for x in r.json()["results"])
                    with lock:
                        latencies.append(took)
                        if not ok:
                            failures.append(f"{r.status_code} {r.text[:200]}")

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        cpu_before = cpu_s(server.pid)
        db_before = tree_cpu_s(db_pid) if db_pid else None
        go.wait()
        start = time.perf_counter()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
        cpu_after = cpu_s(server.pid)
        db_after = tree_cpu_s(db_pid) if db_pid else None
    finally:
        stop(server, 30)
    total = sum(len(json.loads(body)["events"]) for client_bodies in bodies for _, body in client_bodies)
    lat = sorted(latencies)
    return {"backend": label, "events": total, "seconds": round(wall, 2), "events_per_s": round(total / wall),
            "p50_ms": round(1000 * statistics.median(lat), 1),
            "p95_ms": round(1000 * lat[min(len(lat) - 1, int(0.95 * len(lat)))], 1),
            "failures": len(failures), "first_failure": failures[0] if failures else None,
            # the server's own CPU: on a shared, loaded machine the rate it could keep with a core to itself
            "per_cpu_s": round(total / (cpu_after - cpu_before)) if cpu_before is not None and cpu_after else None,
            "db_per_cpu_s": round(total / (db_after - db_before)) if db_before is not None and db_after else None}


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
            results.append(run(pg.create_database("bench"), "postgresql", args.clients, args.batches, args.batch_size,
                               pg.server_pid()))
    for r in results:
        print(f"{r['backend']:<11} {r['events']:>7} events in {r['seconds']:>6.2f} s = {r['events_per_s']:>6} events/s"
              f"   batch p50 {r['p50_ms']:>7.1f} ms  p95 {r['p95_ms']:>7.1f} ms   failures {r['failures']}"
              f"   server CPU: {r['per_cpu_s'] or '?'} events per CPU second"
              + (f" (PostgreSQL's own: {r['db_per_cpu_s']})" if r["db_per_cpu_s"] else ""))
        if r["first_failure"]:
            print(f"  first failure: {r['first_failure']}")
    return 1 if any(r["failures"] for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
