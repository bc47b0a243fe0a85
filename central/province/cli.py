"""`kiosk central serve --province FILE`, `kiosk central province-export` and `kiosk central province-sim`."""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import threading
from typing import Any

ENV = "KIOSK_PROVINCE_CONFIG"


def start_bridge(app: Any, db: Any, path: str | None) -> Any:
    """The province bridge of `central serve` when a province config is given (else None)."""
    path = path or os.environ.get(ENV) or None
    if not path:
        return None
    from central.province.bridge import ProvinceBridge
    from central.province.settings import load_settings

    return ProvinceBridge(db, load_settings(path)).install(app).start()


def cmd_export(args: argparse.Namespace) -> int:
    from central.centres import find_centre
    from central.db import open_database
    from central.province.export import write_day

    try:
        day = dt.date.fromisoformat(args.day) if args.day else None
    except ValueError:
        print(f"--day {args.day!r}: expected YYYY-MM-DD", file=sys.stderr)
        return 2
    db = open_database(args.db)
    try:
        with db.transaction() as s:
            try:
                centre = find_centre(s, args.centre)
            except LookupError as exc:
                print(exc, file=sys.stderr)
                return 2
            if day is None:
                from zoneinfo import ZoneInfo

                from central.centres import doc_of
                day = dt.datetime.now(ZoneInfo(doc_of(centre).config.centre.timezone)).date() - dt.timedelta(days=1)
            print(write_day(s, centre, day, args.out, args.format))
    finally:
        db.close()
    return 0


def cmd_sim(args: argparse.Namespace) -> int:
    """A province system simulator on loopback for the demo, with the sample dossiers in it."""
    import json
    from pathlib import Path

    from central.dossiers import SAMPLE
    from central.province.simulator import CLIENT_ID, CLIENT_SECRET, ProvinceSimulator

    sim = ProvinceSimulator(port=args.port)
    for d in json.loads(Path(SAMPLE).read_text(encoding="utf-8"))["dossiers"]:
        sim.add(d["code"], d["status"], d["procedure_name"], "Trung tâm Phục vụ hành chính công tỉnh Cà Mau",
                dt.date.fromisoformat(d["received_date"]),
                due=dt.date.fromisoformat(d["due_date"]) if d.get("due_date") else None)
    sim.start()
    settings = sim.settings()
    print(f"province simulator on {sim.url}; {len(sim.dossiers)} dossiers. Central config (TOML, [province]):")
    print(f"  base_url = {settings.base_url!r}, lookup_path = {settings.lookup_path!r}, "
          f"rating_path = {settings.rating_path!r}, token_path = '/token'")
    print(f"  env: KIOSK_PROVINCE_ID={CLIENT_ID} KIOSK_PROVINCE_SECRET={CLIENT_SECRET}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("province-export", parents=[common],
                       help="write a day's ratings per dossier as the file the province can import")
    p.add_argument("--day", default=None, help="local day YYYY-MM-DD (default: yesterday)")
    p.add_argument("--centre", default=None, help="centre code (needed when several centres exist)")
    p.add_argument("--out", default="/var/lib/kiosk/province-export", help="folder of the files "
                   "(default /var/lib/kiosk/province-export)")
    p.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("province-sim", help="run a province one-stop system simulator (demo, tests)")
    p.add_argument("--port", type=int, default=8900)
    p.set_defaults(func=cmd_sim)
