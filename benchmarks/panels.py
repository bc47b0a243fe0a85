"""Benchmark: framer throughput, a 9600-baud bus of 32 evaluators, press-to-callback latency.

Run: .venv/bin/python -m benchmarks.panels
"""
from __future__ import annotations

import os
import random
import statistics
import threading
import time

from devices.serial import ft12
from devices.serial.ft12 import Ft12Framer
from devices.serial.ptys import open_pty_pair
from devices.serial.supervisor import Backoff, PanelSupervisor
from devices.serial.transport import StreamLink

LINE_RATE_9600 = 960  # bytes/s: 8N1 is 10 bits per byte


def framer_throughput(frames: int = 50_000, chunk: int = 4096) -> tuple[float, int]:
    rng = random.Random(1)
    parts = []
    for i in range(frames):
        if i % 10 == 0:
            parts.append(bytes(rng.randrange(256) for _ in range(5)))  # some line noise too
        parts.append(ft12.encode_key(0x80 + i % 32, i % 10))
    stream = b"".join(parts)
    framer = Ft12Framer("bench")
    t0 = time.perf_counter()
    decoded = 0
    for i in range(0, len(stream), chunk):
        decoded += len(framer.feed(stream[i:i + chunk]))
    elapsed = time.perf_counter() - t0
    return len(stream) / elapsed, decoded


def bus_at_9600(seconds: float = 3.0, addresses: int = 32) -> tuple[int, int, float]:
    """Evaluators 0x80..0x9F press back-to-back, paced at 9600-baud line rate, through a pty."""
    master, slave, path = open_pty_pair()
    got: list[int] = []
    lock = threading.Lock()

    def on_press(press) -> None:
        with lock:
            got.append(press.address)

    sup = PanelSupervisor("bench-bus", StreamLink(path, Ft12Framer(path), baudrate=9600), on_press,
                          backoff=Backoff(0.05, 0.5))
    sup.start()
    sup.wait_up(5)
    sent = 0
    t0 = time.monotonic()
    sent_bytes = 0
    try:
        while time.monotonic() - t0 < seconds:
            frame = ft12.encode_key(0x80 + sent % addresses, sent % 3 + 1)
            os.write(master, frame)
            sent += 1
            sent_bytes += len(frame)
            # Pace to the line: a real bus cannot carry more than 960 bytes/s.
            ahead = t0 + sent_bytes / LINE_RATE_9600 - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        deadline = time.monotonic() + 2
        while len(got) < sent and time.monotonic() < deadline:
            time.sleep(0.01)
        rate = sent_bytes / (time.monotonic() - t0)
    finally:
        sup.stop()
        os.close(master)
        os.close(slave)
    return sent, len(got), rate


def latency(samples: int = 200) -> tuple[float, float]:
    master, slave, path = open_pty_pair()
    arrived = threading.Event()
    stamps: list[float] = []

    def on_press(press) -> None:
        stamps.append(time.perf_counter())
        arrived.set()

    sup = PanelSupervisor("bench-lat", StreamLink(path, Ft12Framer(path)), on_press)
    sup.start()
    sup.wait_up(5)
    delays: list[float] = []
    try:
        for i in range(samples):
            arrived.clear()
            t0 = time.perf_counter()
            os.write(master, ft12.encode_key(0x81, i % 3))
            if arrived.wait(2):
                delays.append(stamps[-1] - t0)
            time.sleep(0.002)
    finally:
        sup.stop()
        os.close(master)
        os.close(slave)
    delays.sort()
    p95 = delays[int(len(delays) * 0.95) - 1]
    return statistics.median(delays) * 1000, p95 * 1000


def main(argv: list[str] | None = None) -> int:
    import argparse
    argparse.ArgumentParser(prog="kiosk bench panels", description=__doc__.split("\n\n")[0]).parse_args(argv)
    rate, decoded = framer_throughput()
    print(f"framer throughput: {rate:,.0f} bytes/s = {rate / LINE_RATE_9600:,.0f}x 9600-baud line rate "
          f"({decoded} frames decoded)")
    sent, received, line = bus_at_9600()
    print(f"9600-baud bus, 32 evaluators at line rate ({line:,.0f} bytes/s): "
          f"frames sent {sent}, decoded {received}, lost {sent - received}")
    p50, p95 = latency()
    print(f"press-to-callback latency through a pty: p50 {p50:.2f} ms, p95 {p95:.2f} ms")
    ok = rate >= 100 * LINE_RATE_9600 and sent == received
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
