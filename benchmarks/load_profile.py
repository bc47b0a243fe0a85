"""The central's CPU per request for each endpoint `kiosk bench load` hits, in-process on PostgreSQL.

    python -m benchmarks.load_profile [--requests 200] [--profile ENDPOINT] [--top 30] [--poll-centres 200]

One process: a throwaway PostgreSQL, the FastAPI app called through httpx's ASGI transport, one
request at a time. Sync routes and dependencies run inline instead of in the thread pool, so the
CPU counted around each request (time.process_time) is the central's own for that request
(PostgreSQL is another process and not counted) and cProfile sees all of it. CPU time, not
wall-clock: a loaded machine does not distort it much. `--profile` prints the cProfile of one
endpoint (cumulative time, top entries). Then the CPU of one round of the push hub's poll (calls
made by other workers) with a display listening in each of --poll-centres centres.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import datetime as dt
import pstats
import time
import uuid
from typing import Any, Awaitable, Callable

import httpx
from sqlalchemy import event

from benchmarks.load import centre_doc
from kiosk.contract.config import Numbering
from kiosk.contract.events import Event, iso
from kiosk.contract.numbering import fallback_block
from kiosk.contract.wire import DeviceHeartbeat, TicketIssued, TicketPrinted


def _inline_threadpool() -> None:
    """Sync endpoints and dependencies run on the event loop's thread (one request at a time here)."""
    import fastapi.dependencies.utils as deps
    import fastapi.routing as routing
    import starlette.concurrency as concurrency

    async def inline(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)
    for module in (deps, routing, concurrency):
        module.__dict__["run_in_threadpool"] = inline


class Timed:
    """ASGI wrapper: the process CPU spent inside the app for each request, by label."""

    def __init__(self, app: Any) -> None:
        self.app, self.label = app, ""
        self.cpu: dict[str, list[float]] = {}
        self.statements: dict[str, int] = {}  # SQL statements sent, by label

    def count(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.label:
            self.statements[self.label] = self.statements.get(self.label, 0) + 1
            if self.label == os.environ.get("LOAD_PROFILE_SQL"):
                print(self.label, "|", " ".join(statement.split())[:160])

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        t = time.process_time()
        try:
            await self.app(scope, receive, send)
        finally:
            if scope["type"] == "http" and self.label:
                self.cpu.setdefault(self.label, []).append(time.process_time() - t)


async def _run(requests: int, profile: str | None, top: int, poll_centres: int) -> None:
    from benchmarks.throwaway_pg import ThrowawayPostgres
    from central.app import create_app
    from central.db import open_database
    from central.devices import ensure_admin_token
    from central.push_api import _backlog, _centre_of
    from fastapi.security import HTTPAuthorizationCredentials

    _inline_threadpool()
    with ThrowawayPostgres(durable=True) as pg:
        db = open_database(pg.create_database("profile"))
        with db.transaction() as s:
            ensure_admin_token(s, "admin-token-for-profile")
        app = create_app(db)
        timed = Timed(app)
        event.listen(db.engine, "before_cursor_execute", timed.count)
        admin = {"Authorization": "Bearer admin-token-for-profile"}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=timed), base_url="http://central") as http:
            doc = centre_doc(0)
            (await http.put("/api/v1/admin/centres", json=doc, headers=admin)).raise_for_status()
            code = doc["centre"]["code"]

            async def enrol(role: str, counters: list[int] | None = None) -> dict[str, Any]:
                body: dict[str, Any] = {"role": role, "centre_code": code, **({"counters": counters} if counters else {})}
                r = await http.post("/api/v1/admin/enrolment-codes", json=body, headers=admin)
                r.raise_for_status()
                e = await http.post("/api/v1/enrol", json={"code": r.json()["code"], "device_name": role})
                e.raise_for_status()
                return dict(e.json())
            lobby, counter, display = await enrol("lobby"), await enrol("counter", [1]), await enrol("display")
            # a display listening, as in the bench: every counter action and ticket batch pokes the hub
            hub = app.state.call_hub
            hub.prime(lobby_centre := 1)
            listener = hub.subscribe(lobby_centre)

            def auth(dev: dict[str, Any]) -> dict[str, str]:
                return {"Authorization": f"Bearer {dev['token']}"}

            def batch(dev: dict[str, Any], events: list[Event]) -> dict[str, Any]:
                return {"device_id": dev["device_id"], "sent_at": iso(dt.datetime.now(dt.timezone.utc)),
                        "events": [e.wire() for e in events]}
            block = fallback_block(Numbering(**doc["numbering"]), 99_999, lobby["device_index"])
            assert block is not None
            number = [block[0]]

            async def heartbeat() -> None:
                now = dt.datetime.now(dt.timezone.utc)
                beat = Event(DeviceHeartbeat(version="bench", uptime_s=1.0, outbox_backlog=0), occurred_at=now)
                (await http.post("/api/v1/events", json=batch(counter, [beat]), headers=auth(counter))).raise_for_status()

            async def tickets() -> None:
                now = dt.datetime.now(dt.timezone.utc)
                tid, n = str(uuid.uuid4()), number[0]
                number[0] += 1
                events = [Event(TicketIssued(ticket_id=tid, service_code="TPHT", day=now.astimezone(
                    dt.timezone(dt.timedelta(hours=7))).date().isoformat(), number=n, display_number=f"A{n:05d}",
                    priority_group=None, issued_at=now, lease_source="fallback"), occurred_at=now),
                    Event(TicketPrinted(ticket_id=tid, ok=True, status="ok"), occurred_at=now)]
                r = await http.post("/api/v1/events", json=batch(lobby, events), headers=auth(lobby))
                r.raise_for_status()
                assert all(v["status"] == "accepted" for v in r.json()["results"]), r.text

            etag = [""]

            async def config_304() -> None:
                r = await http.get("/api/v1/config", headers={**auth(display), "If-None-Match": etag[0]})
                assert r.status_code == 304, r.status_code

            async def config_200() -> None:
                r = await http.get("/api/v1/config", headers=auth(display))
                r.raise_for_status()
                etag[0] = r.headers["etag"]

            async def call_next() -> None:
                r = await http.post("/api/v1/counters/1/call-next", headers=auth(counter))
                r.raise_for_status()
                assert r.json()["ticket"] is not None

            async def complete() -> None:
                (await http.post("/api/v1/counters/1/complete", headers=auth(counter))).raise_for_status()

            creds = HTTPAuthorizationCredentials(scheme="Bearer", credentials=display["token"])

            async def stream_connect() -> None:
                # what GET /calls/stream does before `hello` (the stream itself never ends under ASGITransport)
                t = time.process_time()
                centre_id = _centre_of(db, creds, None, None)
                assert centre_id is not None
                hub.prime(centre_id)
                _backlog(db, centre_id, None)
                timed.cpu.setdefault(timed.label, []).append(time.process_time() - t)

            plan: list[tuple[str, Callable[[], Awaitable[None]]]] = [
                ("POST /events (heartbeat)", heartbeat), ("POST /events (lobby tickets)", tickets),
                ("GET /config (200)", config_200), ("GET /config (304)", config_304),
                ("POST /counters/N/call-next", call_next), ("POST /counters/N/complete", complete),
                ("GET /calls/stream (to hello)", stream_connect)]
            for _ in range(20):  # warm-up (imports, caches, pool)
                await tickets()
                await heartbeat()
                await config_200()
                await config_304()
            for _ in range(20):
                await call_next()
                await complete()
            timed.cpu.clear()
            timed.statements.clear()
            profiler = cProfile.Profile(time.process_time)  # CPU, not time waiting on PostgreSQL
            for label, fn in plan:
                if label == "POST /counters/N/call-next":
                    continue
                timed.label = label
                if label == "POST /counters/N/complete":
                    for _ in range(requests):
                        timed.label = "POST /counters/N/call-next"
                        if profile == timed.label:
                            profiler.enable()
                        await call_next()
                        profiler.disable()
                        timed.label = label
                        if profile == label:
                            profiler.enable()
                        await complete()
                        profiler.disable()
                    continue
                if label == "POST /events (lobby tickets)":  # tickets for the counters to call
                    requests_here = 2 * requests
                else:
                    requests_here = requests
                for _ in range(requests_here):
                    if profile == label:
                        profiler.enable()
                    await fn()
                    profiler.disable()
            timed.label = ""
            hub.unsubscribe(listener)
            poll_ms = await _poll_cost(http, admin, hub, poll_centres) if poll_centres else None
        print(f"central CPU per request, in-process on PostgreSQL ({requests} requests each, one at a time):")
        print(f"  {'endpoint':<32} {'mean ms':>8} {'p50 ms':>8} {'SQL statements':>15}")
        for label, values in timed.cpu.items():
            values = sorted(values)
            sql = timed.statements.get(label, 0) / len(values)
            print(f"  {label:<32} {1000 * sum(values) / len(values):>8.2f} {1000 * values[len(values) // 2]:>8.2f}"
                  f" {sql:>15.1f}")
        if poll_ms is not None:
            print(f"  the push hub's poll for calls made by other workers, {poll_centres} centres listened: "
                  f"{poll_ms:.1f} ms of CPU a round (one round a second in each worker)")
        if profile:
            print(f"\ncProfile of {profile}:")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)
        hub.stop()
        db.close()


async def _poll_cost(http: httpx.AsyncClient, admin: dict[str, str], hub: Any, centres: int) -> float:
    """CPU of one round of the hub's slow poll with a display listening in each of `centres` centres."""
    for i in range(1, centres):
        (await http.put("/api/v1/admin/centres", json=centre_doc(i), headers=admin)).raise_for_status()
    listeners = []
    for centre_id in range(1, centres + 1):
        hub.prime(centre_id)
        listeners.append(hub.subscribe(centre_id))
    poll = getattr(hub, "poll_once", None)  # before it: a refresh of each centre (hub.poke)
    rounds = []
    for _ in range(10):
        t = time.process_time()
        if poll is not None:
            poll()
        else:
            for centre_id in range(1, centres + 1):
                hub.poke(centre_id)
        rounds.append(time.process_time() - t)
    for listener in listeners:
        hub.unsubscribe(listener)
    return 1000 * sorted(rounds)[len(rounds) // 2]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.load_profile", description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--profile", metavar="ENDPOINT", help="an endpoint label as printed, e.g. 'GET /config (304)'")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--poll-centres", type=int, default=200, help="centres listened to when timing the hub's poll (0: skip)")
    args = ap.parse_args(argv)
    asyncio.run(_run(args.requests, args.profile, args.top, args.poll_centres))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
