"""`kiosk bench NAME`: the benchmark commands that print the figures named in the issues."""
from __future__ import annotations

import argparse
import importlib
import inspect

BENCHMARKS = {
    "lobby": ("benchmarks.lobby", "tap to ticket bytes, start-up, idle CPU, RSS"),
    "sync": ("benchmarks.sync", "100,000-event backlog flush to the central"),
    "central": ("benchmarks.central", "central ingestion events/s and batch p95 (SQLite, PostgreSQL)"),
    "panels": ("benchmarks.panels", "framer throughput, 32 panels on a 9600-baud bus, press latency"),
    "rating": ("benchmarks.rating", "panel press to rating committed"),
    "dossier": ("benchmarks.dossier", "scan to dossier view via the central and from the cache"),
    "province": ("benchmarks.province", "dossier look-up through the central's cache of the province system, p95"),
    "calls": ("benchmarks.calls", "a call pushed to 50 hall displays and 500 ticket pages: p95 from call-next answered"),
    "load": ("benchmarks.load", "one central (PostgreSQL, 4 workers) under 200 centres and 2,000 devices; --year: "
                                "a year of the province's data and every report"),
    "web": ("benchmarks.web", "one year of a provincial centre: every report and web page, p95 (SQLite, PostgreSQL)"),
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="run a benchmark and print its figures")
    p.add_argument("name", choices=sorted(BENCHMARKS), help="; ".join(f"{k}: {v[1]}" for k, v in BENCHMARKS.items()))
    p.add_argument("rest", nargs=argparse.REMAINDER, help="options passed to the benchmark")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    module = importlib.import_module(BENCHMARKS[args.name][0])
    takes_argv = bool(inspect.signature(module.main).parameters)
    return int((module.main(args.rest) if takes_argv else module.main()) or 0)
