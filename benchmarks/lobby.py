"""Issue 2 figures: tap -> ticket bytes ready for the printer (domain + durable commit + render),
start -> interactive attract screen, idle CPU and RSS of the running kiosk UI.

    kiosk bench lobby [--taps 300]
"""
from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import cast

from benchmarks.procstat import cpu_s, stop

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CONFIG = ROOT / "kiosk" / "sample_centre.toml"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def tap_to_bytes(taps: int) -> dict:
    from devices.printer.escpos_printer import ticket_bytes
    from kiosk.bootstrap import build_core
    from kiosk.contract.config import SAMPLE_CONFIG, load_config, parse_config
    from kiosk.lobby import Lobby
    from kiosk.ports import TicketPrinter
    from devices.speech.simulator import RecordingSpeaker

    data = load_config(SAMPLE_CONFIG).model_dump()
    data["lobby"]["rate_limit"] = {"tickets": 10**6, "per_seconds": 1}
    data["lobby"]["double_tap_guard_s"] = 0
    config = parse_config(data)
    start = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)  # Monday 09:00 local
    ticks = [0]

    def clock() -> dt.datetime:
        ticks[0] += 1
        return start + dt.timedelta(milliseconds=ticks[0])

    with tempfile.TemporaryDirectory() as tmp:
        core = build_core(config, Path(tmp), clock=clock)
        # take_ticket never prints (deliver() does): the bench renders the printer's bytes itself
        lobby = Lobby(config, core.desk, printer=cast(TicketPrinter, None), speaker=RecordingSpeaker(),
                      translator=core.translator, health=core.health)
        times, sizes = [], []
        for i in range(taps):
            t0 = time.perf_counter()
            lt = lobby.take_ticket(config.services[i % len(config.services)].code,
                                   None if i % 3 else "elderly", str(uuid.uuid4()), "vi")
            raw = ticket_bytes(lt.printout, profile=config.printer.profile, native_qr=True)
            times.append((time.perf_counter() - t0) * 1000)
            sizes.append(len(raw))
        core.close()
    return {"taps": taps, "p50_ms": round(statistics.median(times), 2), "p95_ms": round(percentile(times, 95), 2),
            "max_ms": round(max(times), 2), "ticket_bytes": int(statistics.median(sizes))}


def startup_and_idle(idle_seconds: float = 10.0) -> dict:
    """Runs the real demo UI headless; reads the attract-screen time it reports, then samples
    CPU time and RSS of the idle process from /proc."""
    env = dict(os.environ, KIVY_NO_ARGS="1", KIVY_NO_CONSOLELOG="1", SDL_VIDEODRIVER="offscreen",
               SDL_AUDIODRIVER="dummy", KIVY_HOME=str(ROOT / ".kivy-home"))
    with tempfile.TemporaryDirectory() as tmp:
        ready = Path(tmp) / "ready.json"
        t0 = time.monotonic()
        # the real kiosk path (`kiosk run`), standalone: the sync thread would not change start-up
        proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "run", "--config", str(SAMPLE_CONFIG),
                                 "--data", tmp, "--ready-file", str(ready)],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while not ready.exists():
                if proc.poll() is not None or time.monotonic() - t0 > 60:
                    return {"error": "the demo did not reach the attract screen"}
                time.sleep(0.02)
            info = json.loads(ready.read_text())
            time.sleep(2)  # let start-up work settle before measuring idle
            c0, w0 = cpu_s(proc.pid) or 0.0, time.monotonic()
            time.sleep(idle_seconds)
            c1, w1 = cpu_s(proc.pid) or 0.0, time.monotonic()
            rss_kb = int(next(line for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines()
                              if line.startswith("VmRSS")).split()[1])
        finally:
            stop(proc, 10)
    return {"start_to_attract_s": info.get("process_start_to_first_frame_s"), "idle_cpu_percent": round(100 * (c1 - c0) / (w1 - w0), 2),
            "rss_mb": round(rss_kb / 1024, 1)}


def main(argv: list[str] | None = None) -> int:
    import argparse
    p = argparse.ArgumentParser(prog="kiosk bench lobby")
    p.add_argument("--taps", type=int, default=300)
    p.add_argument("--skip-ui", action="store_true")
    args = p.parse_args(argv)
    result = {"tap_to_ticket_bytes": tap_to_bytes(args.taps)}
    if not args.skip_ui:
        result["ui"] = startup_and_idle()
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
