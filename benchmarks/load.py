"""Issue 16 figures: one central for a province, under the load of its devices, then a year of its data.

    kiosk bench load [--centres 200] [--devices 2000] [--minutes 10] [--workers 4] [--year] [--year-tickets 700000]

A throwaway PostgreSQL (default durability) and a real `kiosk central serve --workers N` run on
loopback. The centres are created through the admin API (PUT /api/v1/admin/centres) and every
device is enrolled through it (enrolment code, then POST /api/v1/enrol). One bounded asyncio
generator (httpx.AsyncClient, at most --connections requests in flight) then plays what the
devices do, for --minutes, and stops by itself:
- every device: a heartbeat batch every 30 s and a config poll (If-None-Match) every 60 s;
- lobby kiosks: tickets (issued + printed events) at ten times a provincial centre's peak hour
  (150 tickets/h, so 1,500 tickets/h a centre), spread over the centre's kiosks;
- counters: call-next, a few seconds of service, complete, again;
- hall displays: one push connection each (GET /api/v1/calls/stream) for the whole run.
Printed: p95 per endpoint, errors, the pushes delivered and "nothing lost" (ticket events
accepted == ticket events stored). `--year` then writes a year of the province's tickets and
ratings with SQL (generate_series) and times every report over HTTP (target <= 1 s).
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import psycopg

from benchmarks.procstat import stop, tree_cpu_s
from benchmarks.sync_support import bench_document
from kiosk.contract.config import Numbering
from kiosk.contract.events import Event, iso
from kiosk.contract.numbering import fallback_block
from kiosk.contract.wire import DeviceHeartbeat, TicketIssued, TicketPrinted

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PEAK_TICKETS_PER_HOUR = 150  # a busy provincial centre's peak hour
# Services the counters 1-5 serve in the sample centre (TPHT 1,2; CT 2; DD 3,4; TNMT 3; XD 4)
SERVICES = ["TPHT", "CT", "DD", "TNMT", "XD"]
COUNTERS = [1, 2, 3, 4, 5]
HEARTBEAT_S, CONFIG_S = 30.0, 60.0
TARGET_MS, REPORT_TARGET_MS = 100.0, 1000.0


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def p95(values: list[float]) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) >= 2 else values[0]


def centre_doc(i: int) -> dict[str, Any]:
    doc = bench_document()
    doc["centre"] = {**doc["centre"], "code": f"000.00.{i // 100:02d}.L{i % 100:02d}",
                     "name": f"Bộ phận một cửa số {i + 1}", "name_en": f"One-stop centre {i + 1}"}
    return doc


def roles_for(n: int) -> list[tuple[str, int | None]]:
    """A centre's n devices: about 20 % lobby kiosks, a counter device for each of counters 1-5
    (up to half the devices), hall displays for the rest."""
    lobbies = min(10, max(1, round(n * 0.2)))
    counters = min(len(COUNTERS), max(1, n // 2), max(0, n - lobbies))
    displays = max(0, n - lobbies - counters)
    out: list[tuple[str, int | None]] = [("lobby", None)] * lobbies
    return out + [("counter", COUNTERS[k]) for k in range(counters)] + [("display", None)] * displays


@dataclass
class Stats:
    lat: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    accepted: int = 0          # ticket events accepted by the central
    heartbeats: int = 0
    calls: dict[str, int] = field(default_factory=dict)  # centre code -> tickets called
    delivered: dict[str, int] = field(default_factory=dict)  # centre code -> call events read by its displays

    def took(self, name: str, ms: float) -> None:
        self.lat.setdefault(name, []).append(ms)

    def error(self, name: str, what: str) -> None:
        self.errors.setdefault(name, []).append(what)


@dataclass
class Device:
    centre: str
    role: str
    counter: int | None
    device_id: str = ""
    token: str = ""
    index: int | None = None


class Load:
    def __init__(self, url: str, admin: str, stats: Stats, until: float, connections: int, seed: int) -> None:
        self.url, self.admin, self.stats, self.until = url, admin, stats, until
        self.rnd = random.Random(seed)
        # Idle connections dropped after 2 s, before uvicorn's 5 s keep-alive closes them: reusing one
        # the server is closing at that moment fails the request (ReadError) though the server is fine.
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections, keepalive_expiry=2)
        self.http = httpx.AsyncClient(base_url=url, limits=limits, timeout=60)
        self.numbering = Numbering(**bench_document()["numbering"])
        self.counters_done = asyncio.Event()

    async def request(self, name: str, method: str, path: str, token: str, ok: tuple[int, ...] = (200,),
                      **kw: Any) -> httpx.Response | None:
        headers = {"Authorization": f"Bearer {token}", **kw.pop("headers", {})}
        t = time.perf_counter()
        try:
            r = await self.http.request(method, path, headers=headers, **kw)
        except httpx.HTTPError as exc:
            self.stats.error(name, f"{type(exc).__name__}: {exc}")
            return None
        self.stats.took(name, (time.perf_counter() - t) * 1000)
        if r.status_code not in ok:
            self.stats.error(name, f"{r.status_code}: {r.text[:200]}")
            return None
        return r

    async def pause(self, seconds: float) -> bool:
        """Sleeps unless the run ends first; False when it has ended."""
        left = self.until - time.monotonic()
        await asyncio.sleep(max(0.0, min(seconds, left)))
        return time.monotonic() < self.until

    def batch(self, dev: Device, events: list[Event]) -> dict[str, Any]:
        return {"device_id": dev.device_id, "sent_at": iso(dt.datetime.now(dt.timezone.utc)),
                "events": [e.wire() for e in events]}

    async def heartbeats(self, dev: Device) -> None:
        started = time.monotonic()
        if not await self.pause(self.rnd.uniform(0, HEARTBEAT_S)):
            return
        while True:
            beat = Event(DeviceHeartbeat(version="bench", uptime_s=time.monotonic() - started, outbox_backlog=0),
                         occurred_at=dt.datetime.now(dt.timezone.utc))
            r = await self.request("POST /events (heartbeat)", "POST", "/api/v1/events", dev.token,
                                   json=self.batch(dev, [beat]))
            if r is not None:
                self._judge("POST /events (heartbeat)", r)
            if not await self.pause(HEARTBEAT_S):
                return

    async def config_polls(self, dev: Device) -> None:
        etag = ""
        if not await self.pause(self.rnd.uniform(0, CONFIG_S)):
            return
        while True:
            r = await self.request("GET /config", "GET", "/api/v1/config", dev.token, ok=(200, 304),
                                   headers={"If-None-Match": etag} if etag else {})
            if r is not None:
                etag = r.headers.get("etag", etag)
            if not await self.pause(CONFIG_S):
                return

    async def lobby(self, dev: Device, per_s: float) -> None:
        assert dev.index is not None
        block = fallback_block(self.numbering, 99_999, dev.index)
        assert block is not None
        number = block[0]
        while await self.pause(self.rnd.expovariate(per_s)):
            now = dt.datetime.now(dt.timezone.utc)
            tid, service = str(uuid.uuid4()), self.rnd.choice(SERVICES)
            events = [Event(TicketIssued(ticket_id=tid, service_code=service, day=now.astimezone(TZ).date().isoformat(),
                                         number=number, display_number=f"A{number:05d}", priority_group=None,
                                         issued_at=now, lease_source="fallback"), occurred_at=now),
                      Event(TicketPrinted(ticket_id=tid, ok=True, status="ok"), occurred_at=now)]
            number += 1
            r = await self.request("POST /events (lobby tickets)", "POST", "/api/v1/events", dev.token,
                                   json=self.batch(dev, events))
            if r is not None:
                self.stats.accepted += self._judge("POST /events (lobby tickets)", r)

    def _judge(self, name: str, r: httpx.Response) -> int:
        results = r.json()["results"]
        bad = [v for v in results if v["status"] != "accepted"]
        for v in bad:
            self.stats.error(name, f"{v['status']}: {v.get('reason')} {v.get('message')}")
        return len(results) - len(bad)

    async def counter(self, dev: Device) -> None:
        n = dev.counter
        if not await self.pause(self.rnd.uniform(0, 10)):
            return
        while True:
            r = await self.request("POST /counters/N/call-next", "POST", f"/api/v1/counters/{n}/call-next", dev.token)
            ticket = r.json()["ticket"] if r is not None else None
            if ticket is not None:
                self.stats.calls[dev.centre] = self.stats.calls.get(dev.centre, 0) + 1
                await asyncio.sleep(self.rnd.uniform(3, 8))  # serving: always finished, even past the end
                await self.request("POST /counters/N/complete", "POST", f"/api/v1/counters/{n}/complete", dev.token)
            if not await self.pause(self.rnd.uniform(0.5, 2) if ticket else self.rnd.uniform(5, 10)):
                return

    async def display(self, dev: Device, streams: httpx.AsyncClient, ready: asyncio.Event) -> None:
        name = "GET /calls/stream (to hello)"
        t = time.perf_counter()
        try:
            async with streams.stream("GET", "/api/v1/calls/stream", headers={
                    "Authorization": f"Bearer {dev.token}", "Accept": "text/event-stream"}) as r:
                if r.status_code != 200:
                    self.stats.error(name, str(r.status_code))
                    return
                kind = ""
                async for line in r.aiter_lines():
                    if line.startswith("event: "):
                        kind = line[7:]
                    elif line == "" and kind:
                        if kind == "hello":
                            self.stats.took(name, (time.perf_counter() - t) * 1000)
                            ready.set()
                        elif kind == "call":
                            self.stats.delivered[dev.centre] = self.stats.delivered.get(dev.centre, 0) + 1
                        kind = ""
        except asyncio.CancelledError:
            raise
        except httpx.HTTPError as exc:
            self.stats.error(name, f"{type(exc).__name__}: {exc}")


async def enrol_all(url: str, admin: str, centres: int, devices: int) -> list[Device]:
    """Centres through PUT /admin/centres, devices through an enrolment code each, 8 at a time."""
    out: list[Device] = []
    sem = asyncio.Semaphore(8)
    async with httpx.AsyncClient(base_url=url, timeout=60, headers={"Authorization": f"Bearer {admin}"}) as http:
        async def centre(i: int) -> list[Device]:
            async with sem:
                doc = centre_doc(i)
                (await http.put("/api/v1/admin/centres", json=doc)).raise_for_status()
            code = doc["centre"]["code"]
            n = devices // centres + (1 if i < devices % centres else 0)
            made = []
            for k, (role, counter) in enumerate(roles_for(n)):
                async with sem:
                    body: dict[str, Any] = {"role": role, "centre_code": code}
                    if counter is not None:
                        body["counters"] = [counter]
                    r = await http.post("/api/v1/admin/enrolment-codes", json=body)
                    r.raise_for_status()
                    e = await http.post("/api/v1/enrol", json={"code": r.json()["code"], "device_name": f"{role} {k}"})
                    e.raise_for_status()
                    got = e.json()
                made.append(Device(code, role, counter, got["device_id"], got["token"], got.get("device_index")))
            return made
        for made in await asyncio.gather(*(centre(i) for i in range(centres))):
            out += made
    return out


async def run_load(url: str, admin: str, devices: list[Device], minutes: float, connections: int) -> Stats:
    stats = Stats()
    displays = [d for d in devices if d.role == "display"]
    async with httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(60, read=None),
                                 limits=httpx.Limits(max_connections=len(displays) + 1)) as streams:
        load = Load(url, admin, stats, time.monotonic() + 3600, connections, seed=16)
        readies = [asyncio.Event() for _ in displays]
        push = [asyncio.create_task(load.display(d, streams, e)) for d, e in zip(displays, readies, strict=True)]
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in readies)), 300)
        load.until = time.monotonic() + minutes * 60  # the clock starts with every display connected
        lobbies: dict[str, int] = {}
        for d in devices:
            lobbies[d.centre] = lobbies.get(d.centre, 0) + (d.role == "lobby")
        per_s = PEAK_TICKETS_PER_HOUR * 10 / 3600
        work = []
        for d in devices:
            work += [load.heartbeats(d), load.config_polls(d)]
            if d.role == "lobby":
                work.append(load.lobby(d, per_s / lobbies[d.centre]))
            elif d.role == "counter":
                work.append(load.counter(d))
        await asyncio.gather(*work)
        # Every call made reaches every display of its centre: wait for it (with a deadline), then close.
        per_centre = {c: sum(1 for d in displays if d.centre == c) for c in lobbies}
        expected = {c: n * per_centre[c] for c, n in stats.calls.items()}
        deadline = time.monotonic() + 15
        while any(stats.delivered.get(c, 0) < n for c, n in expected.items()) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        for t in push:
            t.cancel()
        await asyncio.gather(*push, return_exceptions=True)
        await load.http.aclose()
    return stats


def stored_ticket_events(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM events WHERE type IN ('ticket.issued', 'ticket.printed')").fetchone()
        return int(row[0]) if row else 0


YEAR_SQL = """
WITH d AS (
  SELECT day::date AS day FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') AS day
  WHERE extract(isodow FROM day) < 6),
t AS (
  SELECT d.day, n,
         (d.day + time '07:30' + (n * 97 %% 480) * interval '1 minute') AT TIME ZONE 'Asia/Ho_Chi_Minh' AS issued,
         (n * 7919 %% 1800) + 60 AS wait_s, (n * 104729 %% 1000) + 180 AS service_s,
         (ARRAY['TPHT','CT','DD','TNMT','XD'])[1 + n %% 5] AS code, 1 + n %% 5 AS counter
  FROM d, generate_series(1, %(per_day)s) AS n)
INSERT INTO tickets (centre_id, ticket_id, device_id, day, number, display_number, issued_service_code, issued_at,
                     printed_ok, service_code, queued_at, transfer_count, status, status_key, counter, officer,
                     first_called_at, called_at, call_count, started_at, served_at, wait_s, service_s)
SELECT %(centre)s, 'y-' || t.day || '-' || t.n, 'year', t.day::text, t.n, 'A' || lpad(t.n::text, 5, '0'), t.code,
       t.issued, true, t.code, t.issued, 0, 'served', 'y', t.counter, 'nv0' || t.counter,
       t.issued + t.wait_s * interval '1 second', t.issued + t.wait_s * interval '1 second', 1,
       t.issued + t.wait_s * interval '1 second', t.issued + (t.wait_s + t.service_s) * interval '1 second',
       t.wait_s, t.service_s
FROM t
"""
RATINGS_SQL = """
INSERT INTO ratings (centre_id, rating_id, ticket_id, device_id, counter, officer, service_code, level, reason, rated_at)
SELECT centre_id, 'r-' || ticket_id, ticket_id, 'year', counter, officer, service_code,
       (ARRAY['very_satisfied','very_satisfied','satisfied','satisfied','unsatisfied'])[1 + number %% 5],
       CASE WHEN number %% 5 = 4 THEN 'Chờ quá lâu' END, served_at + interval '20 seconds'
FROM tickets WHERE centre_id = %(centre)s AND device_id = 'year'
"""


def load_year(dsn: str, tickets: int) -> dict[str, Any]:
    """A year of served, rated tickets for every centre, written by PostgreSQL itself."""
    today = dt.datetime.now(TZ).date()
    first, last = today - dt.timedelta(days=365), today - dt.timedelta(days=1)
    days = sum(1 for k in range(365) if (first + dt.timedelta(days=k)).isoweekday() < 6)
    t0 = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        centres = [int(r[0]) for r in conn.execute("SELECT id FROM centres ORDER BY id").fetchall()]
        per_day = max(1, tickets // (len(centres) * days))
        for c in centres:
            args = {"first": first, "last": last, "per_day": per_day, "centre": c}
            conn.execute(YEAR_SQL, args)
            conn.execute(RATINGS_SQL, args)
        conn.execute("ANALYZE")
        n = conn.execute("SELECT count(*) FROM tickets WHERE device_id = 'year'").fetchone()
    return {"tickets": int(n[0]) if n else 0, "centres": len(centres), "per_day": per_day, "days": days,
            "first": first, "last": last, "load_s": time.perf_counter() - t0}


def _timed(get: Any, runs: int) -> tuple[float, float]:
    took = []
    for _ in range(runs + 1):
        t = time.perf_counter()
        get()
        took.append((time.perf_counter() - t) * 1000)
    return took[0], p95(took[1:])


def time_pages(url: str, db_url: str, centre: str, first: dt.date, last: dt.date, runs: int) -> list[tuple[str, float, float]]:
    """The managers' report pages over the year, signed in as the centre's manager."""
    import re

    from central.db import Database
    from central.web.security import create_user

    db = Database(db_url)
    with db.transaction() as s:
        create_user(s, "bench", "bench-password-123", "centre_manager", "Bench", centre)
    db.close()
    rows = []
    with httpx.Client(base_url=url, timeout=120) as http:
        token = re.search(r'name="csrf_token" value="([^"]+)"', http.get("/login").text)
        assert token is not None
        r = http.post("/login", data={"csrf_token": token.group(1), "username": "bench", "password": "bench-password-123"})
        assert r.status_code in (200, 303), r.status_code
        year = f"from={first}&to={last}"
        for name, path in (("GET /reports (1 year, by officer)", f"/reports?{year}&group=officer"),
                           ("GET /reports/print (1 year)", f"/reports/print?{year}"),
                           ("GET /reports/export.csv (1 year)", f"/reports/export.csv?{year}"),
                           ("GET /reports/export.xlsx (1 year)", f"/reports/export.xlsx?{year}")):
            rows.append((name, *_timed(lambda p=path: http.get(p).raise_for_status(), runs)))
    return rows


def time_reports(url: str, admin: str, centre: str, first: dt.date, last: dt.date, runs: int) -> list[tuple[str, float, float]]:
    """Every report of one centre over the year, through the HTTP API: (name, first call ms, p95 ms)."""
    rows = []
    with httpx.Client(base_url=url, timeout=120, headers={"Authorization": f"Bearer {admin}"}) as http:
        for group in ("officer", "counter", "service", "centre", "day", "hour"):
            for fmt in ("json", "csv", "html") if group == "officer" else ("json",):
                params = {"centre": centre, "from": first.isoformat(), "to": last.isoformat(), "group": group,
                          "format": fmt}
                took = []
                for _ in range(runs + 1):
                    t = time.perf_counter()
                    r = http.get("/reports/satisfaction", params=params)
                    took.append((time.perf_counter() - t) * 1000)
                    r.raise_for_status()
                rows.append((f"GET /reports/satisfaction by {group} ({fmt})", took[0], p95(took[1:])))
        for name, path in (("GET /api/v1/fleet", "/api/v1/fleet"),):
            took = []
            for _ in range(runs + 1):
                t = time.perf_counter()
                http.get(path).raise_for_status()
                took.append((time.perf_counter() - t) * 1000)
            rows.append((name, took[0], p95(took[1:])))
    return rows


def start_server(db_url: str, workers: int, tmp: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    admin = secrets.token_urlsafe(24)
    token_file = tmp / "admin-token"
    token_file.write_text(admin)
    token_file.chmod(0o600)
    env = {**os.environ, "KIOSK_CENTRAL_AUDIO_CACHE": str(tmp / "audio")}
    migrate = subprocess.run([sys.executable, "-m", "central", "migrate", "--db", db_url], env=env,
                             capture_output=True, text=True)
    if migrate.returncode != 0:
        raise SystemExit(f"kiosk central migrate failed: {migrate.stderr[-2000:]}")
    port = _free_port()
    log = open(tmp / "central.log", "wb")  # noqa: SIM115 (the server's, kept until it stops)
    server = subprocess.Popen([sys.executable, "-m", "central", "serve", "--db", db_url, "--port", str(port),
                               "--workers", str(workers), "--no-migrate", "--admin-token-file", str(token_file)],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return server, url, admin
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            raise SystemExit("the central did not start:\n" + (tmp / "central.log").read_text(errors="replace")[-2000:])
        time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="kiosk bench load", description=__doc__.split("\n\n")[0])
    ap.add_argument("--centres", type=int, default=200)
    ap.add_argument("--devices", type=int, default=2000)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--connections", type=int, default=256, help="requests in flight at most (the bound)")
    ap.add_argument("--year", action="store_true", help="then load a year of data and time every report")
    ap.add_argument("--year-tickets", type=int, default=700_000)
    ap.add_argument("--runs", type=int, default=5, help="timed runs of each report")
    ap.add_argument("--json", metavar="FILE", help="also write the figures to FILE (for tests and records)")
    args = ap.parse_args(argv)
    if args.devices < args.centres:
        ap.error("--devices must be at least --centres")
    from benchmarks.throwaway_pg import ThrowawayPostgres

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="load-bench-") as tmp_name, ThrowawayPostgres(durable=True) as pg:
        tmp = Path(tmp_name)
        db_url = pg.create_database("province")
        server, url, admin = start_server(db_url, args.workers, tmp)
        try:
            t = time.perf_counter()
            devices = asyncio.run(enrol_all(url, admin, args.centres, args.devices))
            enrol_s = time.perf_counter() - t
            cpu0, own0, wall0 = tree_cpu_s(server.pid), time.process_time(), time.perf_counter()
            stats = asyncio.run(run_load(url, admin, devices, args.minutes, args.connections))
            cpu, own = tree_cpu_s(server.pid) - cpu0, time.process_time() - own0
            wall = time.perf_counter() - wall0
            load_after = os.getloadavg()
            stored = stored_ticket_events(pg.dsn("province"))
            year: dict[str, Any] | None = None
            reports: list[tuple[str, float, float]] = []
            if args.year:
                year = load_year(pg.dsn("province"), args.year_tickets)
                code = centre_doc(0)["centre"]["code"]
                reports = time_reports(url, admin, code, year["first"], year["last"], args.runs)
                reports += time_pages(url, db_url, code, year["first"], year["last"], args.runs)
        finally:
            stop(server, 30)
    roles = {r: sum(d.role == r for d in devices) for r in ("lobby", "counter", "display")}
    print(f"bench load: {args.centres} centres, {len(devices)} devices ({roles['lobby']} lobby kiosks, "
          f"{roles['counter']} counters, {roles['display']} hall displays on the push stream), one central with "
          f"{args.workers} workers on PostgreSQL, {args.minutes:g} min; enrolled through the admin API in {enrol_s:.1f} s")
    print(f"  machine: {os.cpu_count()} cores, load average before {load_before[0]:.2f}, after {load_after[0]:.2f}; "
          f"central CPU {cpu:.0f} s in {wall:.0f} s ({cpu / wall:.2f} cores); this generator {own / wall:.2f} cores")
    print("  (latency is measured by the generator: it includes its own event-loop delays on a busy machine)")
    print(f"\n  {'endpoint':<32} {'requests':>9} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'errors':>7}")
    failed = False
    for name in sorted(set(stats.lat) | set(stats.errors)):
        v = stats.lat.get(name, [])
        errs = len(stats.errors.get(name, []))
        over = p95(v) > TARGET_MS
        failed |= over or errs > 0
        print(f"  {name:<32} {len(v):>9} {len(v) / wall:>7.1f} {statistics.median(v) if v else float('nan'):>8.1f} "
              f"{p95(v):>8.1f} {max(v) if v else float('nan'):>8.1f} {errs:>7}" + ("  over 100 ms" if over else ""))
    for name, messages in stats.errors.items():
        print(f"  first errors of {name}: {messages[:3]}")
    displays = {c: sum(1 for d in devices if d.role == "display" and d.centre == c) for c in stats.calls}
    expected = sum(n * displays[c] for c, n in stats.calls.items())
    got = sum(min(stats.delivered.get(c, 0), n * displays[c]) for c, n in stats.calls.items())
    lost = stats.accepted - stored
    print(f"\n  calls made {sum(stats.calls.values())}, pushed to the displays of their centre: {got} of {expected}")
    print(f"  nothing lost: ticket events accepted {stats.accepted}, stored {stored}"
          + (" (equal)" if lost == 0 else f" ({lost} MISSING)"))
    failed |= lost != 0 or got != expected
    if year is not None:
        print(f"\n  one year: {year['tickets']} tickets, each served and rated ({year['centres']} centres x "
              f"{year['per_day']} a working day x {year['days']} days), written by SQL in {year['load_s']:.1f} s")
        print(f"  {'report (one centre, 1 year)':<52} {'first ms':>9} {'p95 ms':>8}")
        for name, first, high in reports:
            over = high > REPORT_TARGET_MS
            failed |= over
            print(f"  {name:<52} {first:>9.1f} {high:>8.1f}" + ("  over 1 s" if over else ""))
    if args.json:
        Path(args.json).write_text(json.dumps({
            "centres": args.centres, "devices": len(devices), "roles": roles, "minutes": args.minutes,
            "workers": args.workers, "load_before": load_before[0], "load_after": load_after[0],
            "central_cpu_s": cpu, "generator_cpu_s": own, "wall_s": wall,
            "endpoints": {k: {"requests": len(v), "p95_ms": p95(v)} for k, v in stats.lat.items()},
            "errors": stats.errors, "accepted": stats.accepted, "stored": stored,
            "calls": sum(stats.calls.values()), "pushed": got, "push_expected": expected,
            "year_tickets": year["tickets"] if year else 0,
            "reports": [{"name": n, "first_ms": f, "p95_ms": h} for n, f, h in reports]}, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
