"""Benchmark: evaluator press (bytes written on a pty) -> rating committed on SQLite; and a
receipt scanned at the counter (bytes on a second pty) -> dossier linked to the ticket served.

Run: .venv/bin/python -m benchmarks.rating [samples]

Composes the real parts like a counter device does: an ft12 frame is written on the device
side of a pty pair, PanelSupervisor decodes it on its port thread, CounterRuntime hands it to
the ratings worker, CounterService decides and commits the rating + its outbox event in one
SQLite transaction (WAL, synchronous=FULL). Timed from just before os.write to just after the
commit returns. Each sample is a fresh served ticket (call_typed + complete) so every press is
a real rating. Before each completion a receipt QR (a dossier code + CR) is written on the
scanner's pty: ScannerSupervisor frames it, the counter's `actions` worker runs
CounterService.on_scan, which commits the dossier link + its ticket.dossier_linked outbox event;
timed from before os.write to the commit. (A benchmark is a composition root: it may import devices/.)
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
import tomllib
from pathlib import Path

TARGET_P95_MS = 30.0
TARGET_SCAN_P95_MS = 50.0


def _p(delays: list[float]) -> tuple[float, float, float]:
    delays = sorted(delays)
    return (statistics.median(delays) * 1000, delays[max(0, int(len(delays) * 0.95) - 1)] * 1000,
            delays[-1] * 1000)


def main(argv: list[str] | None = None) -> int:
    from devices.serial import ft12, open_panel
    from devices.serial.ptys import open_pty_pair
    from devices.scanner import open_scanner
    from devices.serial.supervisor import Backoff
    from kiosk.contract.config import SAMPLE_CONFIG, parse_config
    from kiosk.counter.runtime import CounterRuntime
    from kiosk.counter.service import CounterService
    from kiosk.storage import open_database

    import argparse
    ap = argparse.ArgumentParser(prog="kiosk bench rating", description=__doc__.split("\n\n")[0])
    ap.add_argument("samples", type=int, nargs="?", default=300, help="presses timed (default 300)")
    samples = ap.parse_args(argv).samples
    master, slave, path = open_pty_pair()
    scan_master, scan_slave, scan_path = open_pty_pair()
    data = tomllib.loads(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    data["counter"] = {"counters": [1], "rating": {"debounce_s": 0},
                       "panels": [{"name": "bus", "port": path, "protocol": "ft12"}]}
    data["scanner"] = {"kind": "serial", "port": scan_path, "repeat_guard_s": 0}
    config = parse_config(data)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "kiosk.db")
        svc = CounterService(db, config)
        committed = threading.Event()
        linked = threading.Event()
        stamp: list[float] = []
        scan_stamp: list[float] = []

        def on_event(kind: str, _data: dict) -> None:
            if kind == "rated":  # emitted right after the rating's transaction commits
                stamp.append(time.perf_counter())
                committed.set()
            elif kind == "dossier_linked":
                scan_stamp.append(time.perf_counter())
                linked.set()

        svc.listeners.append(on_event)
        runtime = CounterRuntime(svc, tick_s=1.0, refresh_queue=False)
        sup = open_panel("bus", path, "ft12", runtime.on_press, backoff=Backoff(0.02, 0.2))
        sup.wait_up(5)
        scanner = open_scanner(config.scanner, lambda scan: runtime.submit_action(
            lambda: svc.on_scan(1, scan.data)), name="counter", backoff=Backoff(0.02, 0.2))
        assert scanner is not None
        scanner.wait_up(5)
        delays: list[float] = []
        scan_delays: list[float] = []
        try:
            for i in range(samples):
                svc.call_typed(1, str(i % 900 + 1))
                linked.clear()
                code = f"{config.centre.code}-261123-{i % 10000:04d}\r"
                t0 = time.perf_counter()
                os.write(scan_master, code.encode())
                if linked.wait(2):
                    scan_delays.append(scan_stamp[-1] - t0)
                else:
                    print(f"sample {i}: no dossier linked within 2 s", file=sys.stderr)
                svc.complete(1)
                committed.clear()
                frame = ft12.encode_key(0x81, 1 + i % 2)  # Rất hài lòng / Hài lòng: no reason asked
                t0 = time.perf_counter()
                os.write(master, frame)
                if not committed.wait(2):
                    print(f"sample {i}: no rating within 2 s", file=sys.stderr)
                    continue
                delays.append(stamp[-1] - t0)
        finally:
            scanner.stop()
            sup.stop()
            runtime.close()
            db.close()
            for fd in (master, slave, scan_master, scan_slave):
                os.close(fd)
    if not delays or not scan_delays:
        print("no samples")
        return 1
    p50, p95, worst = _p(delays)
    print(f"press on a pty -> rating committed (WAL, synchronous=FULL), {len(delays)}/{samples} samples: "
          f"p50 {p50:.2f} ms, p95 {p95:.2f} ms, max {worst:.2f} ms (target p95 <= {TARGET_P95_MS:.0f} ms)")
    s50, s95, sworst = _p(scan_delays)
    print(f"receipt scanned on a pty -> dossier linked (+ outbox event), {len(scan_delays)}/{samples} samples: "
          f"p50 {s50:.2f} ms, p95 {s95:.2f} ms, max {sworst:.2f} ms (target p95 <= {TARGET_SCAN_P95_MS:.0f} ms)")
    ok = p95 <= TARGET_P95_MS and s95 <= TARGET_SCAN_P95_MS
    return 0 if ok and len(delays) == len(scan_delays) == samples else 1


if __name__ == "__main__":
    raise SystemExit(main())
