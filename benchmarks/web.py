"""Issue 12 figures: one year of a provincial centre, then every report and page of the web app, p95.

    kiosk bench web [--backend sqlite|postgres|both] [--days 365] [--per-day 230] [--runs 20]

The year (working days Monday to Friday, 230 tickets a day, each issued, called, served and
rated, plus a few rejected presses a day) is written straight into the central's tables
(tickets, ratings, events), as ingestion would have left them: this measures reading, not
ingestion (`kiosk bench central` does that). The first report sums every closed day once
(central/rollups.py; its time is printed); the reports are then timed in process (the SQL
and its shaping) and the pages over HTTP through a real central on loopback, signed in as
a centre manager. Target: p95 <= 300 ms on SQLite and on PostgreSQL.

Beside the wall-clock p50 / p95 it prints the median CPU time of one request: this process's
(the client, the central's Python and, on SQLite, the SQL) plus, on PostgreSQL, the server
processes' (read from /proc): a figure a loaded machine does not distort.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import statistics
import tempfile
import time
import uuid
from contextlib import ExitStack
from typing import Any, Callable
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import insert

from benchmarks.procstat import tree_cpu_s
from central.centres import CentreRow, load_toml, store_doc
from central.db import Database, migrate
from central.devices import Device
from central.events import StoredEvent
from central.ratings import Rating
from central.tickets import Ticket, durations
from kiosk.contract.config import SAMPLE_CONFIG

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PASSWORD = "bench-password-123"
# (service, weight, counters serving it, their officers)
SERVICES: list[tuple[str, int, list[int], list[str | None]]] = [("TPHT", 30, [1, 2], ["nv01", "nv02"]), ("DD", 20, [3, 4], ["nv03", None]),
            ("DKKD", 10, [5], [None]), ("LDTBXH", 10, [6], [None]), ("GTVT", 10, [7], [None]),
            ("CT", 10, [2, 8], ["nv02", None]), ("XD", 5, [4], [None]), ("TNMT", 5, [3], ["nv03"])]
REASONS = ["Chờ quá lâu", "Thái độ chưa tốt", "Hướng dẫn chưa rõ", None]
TARGET_MS = 300.0


def _moment(day: dt.date, minute_of_day: float) -> dt.datetime:
    return (dt.datetime.combine(day, dt.time(), TZ) + dt.timedelta(minutes=minute_of_day)).astimezone(dt.timezone.utc)


def load_year(db: Database, days: int, per_day: int, seed: int = 12) -> dict[str, Any]:
    rnd = random.Random(seed)
    with db.transaction() as s:
        centre = store_doc(s, load_toml(SAMPLE_CONFIG))
        centre_id = centre.id
        device = Device(id=str(uuid.uuid4()), centre_id=centre_id, name="bench counter", role="counter",
                        device_index=1, token_hash=uuid.uuid4().hex * 2, enrolled_at=_moment(dt.date.today(), 0))
        s.add(device)
    today = dt.datetime.now(TZ).date()
    weights = [w for _, w, _, _ in SERVICES]
    tickets: list[dict[str, Any]] = []
    ratings: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    n_days = 0
    for back in range(days, 0, -1):
        day = today - dt.timedelta(days=back)
        if day.isoweekday() > 5:
            continue
        n_days += 1
        for i in range(per_day):
            code, _, counters, officers = rnd.choices(SERVICES, weights)[0]
            k = rnd.randrange(len(counters))
            counter, officer = counters[k], officers[k]
            session_start = 450 if i < per_day * 0.6 else 810  # 07:30 or 13:30
            issued = _moment(day, session_start + rnd.uniform(0, 200))
            wait = dt.timedelta(minutes=rnd.lognormvariate(2.3, 0.6))
            called = issued + wait
            served = called + dt.timedelta(minutes=rnd.uniform(3, 20))
            tid = f"{day.isoformat()}-{i}"
            tickets.append({"centre_id": centre_id, "ticket_id": tid, "device_id": device.id, "day": day.isoformat(),
                            "number": i + 1, "display_number": f"A{i + 1:03d}", "priority_group": None,
                            "issued_service_code": code, "issued_at": issued, "printed_ok": True, "service_code": code,
                            "queued_at": issued, "transfer_key": None, "transfer_count": 0, "status": "served",
                            "status_key": f"{served.isoformat()}|x", "counter": counter, "officer": officer,
                            "first_called_at": called, "called_at": called, "call_count": 1, "started_at": called,
                            "served_at": served, "no_show_at": None})
            durations(tickets[-1])
            level = rnd.choices(["very_satisfied", "satisfied", "unsatisfied"], [55, 38, 7])[0]
            ratings.append({"centre_id": centre_id, "rating_id": f"r-{tid}", "ticket_id": tid, "device_id": device.id,
                            "counter": counter, "officer": officer, "service_code": code, "level": level,
                            "reason": rnd.choice(REASONS) if level == "unsatisfied" else None,
                            "rated_at": served + dt.timedelta(seconds=rnd.uniform(5, 60))})
        for j in range(rnd.randrange(2, 8)):
            at = _moment(day, 480 + 60 * j)
            events.append({"id": str(uuid.uuid4()), "centre_id": centre_id, "device_id": device.id, "batch_id": None,
                           "type": "rating.rejected_press", "occurred_at": at, "corrected_occurred_at": at,
                           "received_at": at, "payload": {"counter": rnd.randint(1, 8),
                                                          "reason": rnd.choice(["double_press", "no_ticket"])}})
    with db.transaction() as s:
        for table, rows in ((Ticket, tickets), (Rating, ratings), (StoredEvent, events)):
            for chunk in range(0, len(rows), 5000):
                s.execute(insert(table), rows[chunk:chunk + 5000])
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            conn.exec_driver_sql("COMMIT")
            conn.exec_driver_sql("ANALYZE")
    else:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    return {"days": n_days, "tickets": len(tickets), "ratings": len(ratings), "events": len(events),
            "load_s": round(time.perf_counter() - t0, 1)}


Row = tuple[str, str, float, float, float]  # backend, what, p50 ms, p95 ms, CPU ms (median)


def no_server_cpu() -> float:
    return 0.0


def server_cpu_of(pg: Any) -> Callable[[], float]:
    """CPU seconds used so far by a PostgreSQL server's processes (the postmaster and its children)."""
    def cpu() -> float:
        return tree_cpu_s(int((pg.root / "data" / "postmaster.pid").read_text().split()[0]))
    return cpu


def p95(fn: Callable[[], Any], runs: int, server_cpu: Callable[[], float] = no_server_cpu) -> tuple[float, float, float]:
    fn()  # warm-up: parsed config, prepared statements, template compilation
    took, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time() + server_cpu()
        fn()
        took.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() + server_cpu() - c) * 1000)
    took.sort()
    return statistics.median(took), took[min(len(took) - 1, int(round(0.95 * (len(took) - 1))))], statistics.median(cpu)


def measure(db_url: str, label: str, days: int, per_day: int, runs: int,
            server_cpu: Callable[[], float] = no_server_cpu) -> list[Row]:
    from central import reports
    from central.embedded import start_embedded
    from central.web.monitor import live
    from central.web.reports_pages import figures
    from central.web.security import create_user

    db = Database(db_url)
    migrate(db.engine)
    loaded = load_year(db, days, per_day)
    print(f"{label}: loaded {loaded['tickets']} tickets, {loaded['ratings']} ratings, {loaded['events']} rejected "
          f"presses over {loaded['days']} working days in {loaded['load_s']} s")
    with db.transaction() as s:
        create_user(s, "bench", PASSWORD, "centre_manager", "Bench", "000.00.12.H12")
    today = dt.datetime.now(TZ).date()
    year_from = today - dt.timedelta(days=days)
    rows: list[Row] = []

    def centre(s: Any) -> CentreRow:
        row = s.get(CentreRow, 1)
        assert row is not None
        return row

    def in_process(name: str, work: Callable[[Any, CentreRow], Any]) -> None:
        def once() -> None:
            with db.transaction() as s:
                work(s, centre(s))
        rows.append((label, name, *p95(once, runs, server_cpu)))

    t, cpu0 = time.perf_counter(), time.process_time() + server_cpu()  # cold: sums every closed day once
    with db.transaction() as s:
        figures(s, centre(s), year_from, today, "officer")
    cold = (time.perf_counter() - t) * 1000
    rows.append((label, "first report after loading (sums the year)", cold, cold,
                 (time.process_time() + server_cpu() - cpu0) * 1000))
    def by_group(group: str) -> Callable[[Any, CentreRow], Any]:
        return lambda s, c: reports.satisfaction(s, c, year_from, today, group)

    for group in reports.GROUPS:
        in_process(f"satisfaction by {group}, 1 year", by_group(group))
    in_process("reports page figures, 1 year", lambda s, c: figures(s, c, year_from, today, "officer"))
    in_process("reports page figures, 30 days",
               lambda s, c: figures(s, c, today - dt.timedelta(days=29), today, "officer"))
    in_process("live monitor", lambda s, c: live(s, c))
    db.close()

    central = start_embedded(db_url)
    try:
        with httpx.Client(base_url=central.url, timeout=60) as c:
            token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
            assert token is not None
            r = c.post("/login", data={"csrf_token": token.group(1), "username": "bench", "password": PASSWORD})
            assert r.status_code in (200, 303), r.status_code
            year = f"from={year_from}&to={today}"
            for name, path in (("GET /reports (30 days)", "/reports"),
                               ("GET /reports (1 year, by officer)", f"/reports?{year}&group=officer"),
                               ("GET /reports (1 year, by day)", f"/reports?{year}&group=day"),
                               ("GET /reports (1 year, by hour)", f"/reports?{year}&group=hour"),
                               ("GET /reports/print (1 year)", f"/reports/print?{year}"),
                               ("GET /reports/export.csv (1 year)", f"/reports/export.csv?{year}"),
                               ("GET /reports/export.xlsx (1 year)", f"/reports/export.xlsx?{year}"),
                               ("GET /monitor", "/monitor"), ("GET /monitor/live", "/monitor/live"),
                               ("GET /fleet", "/fleet"), ("GET /users", "/users"), ("GET /audit", "/audit")):
                def get(p: str = path) -> None:
                    resp = c.get(p)
                    assert resp.status_code == 200, (p, resp.status_code, resp.text[:200])
                rows.append((label, name, *p95(get, runs, server_cpu)))
    finally:
        central.stop()
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="kiosk bench web", description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--per-day", type=int, default=230)
    p.add_argument("--runs", type=int, default=20)
    args = p.parse_args(argv)
    rows: list[Row] = []
    with ExitStack() as stack:
        if args.backend in ("sqlite", "both"):
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="web-bench-"))
            rows += measure(f"sqlite:///{os.path.join(tmp, 'web.db')}", "sqlite", args.days, args.per_day, args.runs)
        if args.backend in ("postgres", "both"):
            from benchmarks.throwaway_pg import ThrowawayPostgres
            pg = stack.enter_context(ThrowawayPostgres(durable=True))
            rows += measure(pg.create_database("webbench"), "postgresql", args.days, args.per_day, args.runs,
                            server_cpu_of(pg))
    print(f"\n{'backend':<11} {'what':<40} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms':>8}")
    for label, name, med, high, cpu in rows:
        flag = "" if high <= TARGET_MS else f"  over {TARGET_MS:.0f} ms"
        print(f"{label:<11} {name:<40} {med:>8.1f} {high:>8.1f} {cpu:>8.1f}{flag}")
    print("load average (1, 5, 15 min) at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    return 1 if any(high > TARGET_MS for _, name, _, high, _ in rows if not name.startswith("first")) else 0


if __name__ == "__main__":
    raise SystemExit(main())
