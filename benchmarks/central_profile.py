"""Where a batch's time goes on the central: the events endpoint profiled in-process.

    python -m benchmarks.central_profile [--backend sqlite|postgres] [--batches 20] [--batch-size 500] [--top 30]

The bench's batches (benchmarks.central.make_batches) go through the whole app (middleware,
authentication, validation, ingestion, the answer) over an in-process ASGI transport, one at a
time. FastAPI runs sync routes and dependencies in a thread pool, which cProfile does not see:
here they run on the profiled thread instead (this harness only). Prints the events per CPU
second of that path and cProfile's functions by cumulative and by own time.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import tempfile
import time
from contextlib import ExitStack
from typing import Any

import fastapi.dependencies.utils
import fastapi.routing
import httpx

from benchmarks.central import make_batches
from benchmarks.sync_support import bench_document
from benchmarks.throwaway_pg import ThrowawayPostgres
from central.app import create_app, settle_heap
from central.centres import CentreRow, parse_doc, store_doc
from central.db import Database, migrate
from central.devices import create_enrolment_code, enrol


async def _inline(func: Any, *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


def _device(db: Database, role: str) -> dict[str, Any]:
    import datetime as dt

    with db.transaction() as s:
        centre = s.query(CentreRow).one()
        code, _ = create_enrolment_code(s, centre, role, dt.timedelta(hours=1),
                                        counters=list(range(1, 9)) if role == "counter" else None)
    with db.transaction() as s:
        dev, token, _ = enrol(s, code, None)
        return {"device_id": dev.id, "token": token, "device_index": dev.device_index}


def profile(db_url: str, batches: int, size: int, top: int) -> str:
    db = Database(db_url)
    migrate(db.engine)
    with db.transaction() as s:
        store_doc(s, parse_doc(bench_document()))
    lobby, counter = _device(db, "lobby"), _device(db, "counter")
    bodies = make_batches(lobby, counter, 0, max(1, batches // 2) * size // 5, size)
    app = create_app(db)
    settle_heap()  # as `kiosk central serve` does
    saved = fastapi.routing.run_in_threadpool, fastapi.dependencies.utils.run_in_threadpool
    fastapi.routing.run_in_threadpool = fastapi.dependencies.utils.run_in_threadpool = _inline
    prof = cProfile.Profile()
    events = 0

    async def post_all() -> float:
        nonlocal events
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://central") as c:
            first = await c.post("/api/v1/events", content=bodies[0][1],  # warm-up: imports, statement caches
                                 headers={"Authorization": f"Bearer {bodies[0][0]['token']}",
                                          "Content-Type": "application/json"})
            first.raise_for_status()
            cpu = time.process_time()
            prof.enable()
            for device, body in bodies[1:]:
                r = await c.post("/api/v1/events", content=body, headers={"Authorization": f"Bearer {device['token']}",
                                                                          "Content-Type": "application/json"})
                answers = r.json()["results"]
                if r.status_code != 200 or any(a["status"] != "accepted" for a in answers):
                    raise RuntimeError(f"not all accepted: {r.status_code} {r.text[:300]}")
                events += len(answers)
            prof.disable()
            return time.process_time() - cpu

    try:
        cpu = asyncio.run(post_all())
    finally:
        fastapi.routing.run_in_threadpool, fastapi.dependencies.utils.run_in_threadpool = saved
        db.close()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return (f"{events} events in {len(bodies) - 1} batches: {events / cpu:,.0f} events per CPU second of this process "
            f"(profiler on; client included)\n" + out.getvalue())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.central_profile", description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--batches", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=500)
    p.add_argument("--top", type=int, default=30)
    args = p.parse_args(argv)
    with ExitStack() as stack:
        if args.backend == "sqlite":
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="central-profile-"))
            url = f"sqlite:///{os.path.join(tmp, 'profile.db')}"
        else:
            url = stack.enter_context(ThrowawayPostgres(durable=True)).create_database("profile")
        print(profile(url, args.batches, args.batch_size, args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
