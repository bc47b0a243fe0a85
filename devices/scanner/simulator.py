"""A scanner on the other end of a pty (tests, demos, bench checks without hardware).

    python -m devices.scanner.simulator /tmp/scanner-dev --code 000.00.12.H12-261110-0001
    socat -d -d pty,raw,echo=0,link=/tmp/scanner-dev pty,raw,echo=0,link=/tmp/scanner-host
    # config: [scanner] kind = "serial", port = "/tmp/scanner-host"

`ScannerSimulator` writes to a path (opened with pyserial) or straight to a pty master fd.
Besides clean codes it sends what real lines carry: garbage, over-long lines, control
characters, codes split across writes with pauses, and a code whose end never comes.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from typing import Any

SUFFIXES = {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n", "etx": b"\x03", "none": b""}


class ScannerSimulator:
    def __init__(self, target: str | int, *, baudrate: int = 9600, suffix: bytes = b"\r",
                 seed: int | None = None) -> None:
        self.suffix = suffix
        self.rng = random.Random(seed)
        self._fd: int | None = target if isinstance(target, int) else None
        self._serial: Any = None  # a serial.Serial when the target is a path (imported late)
        if self._fd is None:
            import serial
            self._serial = serial.Serial(str(target), baudrate=baudrate, write_timeout=5)
        self.sent = 0

    def __enter__(self) -> "ScannerSimulator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def write(self, data: bytes) -> None:
        if self._fd is not None:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view):]
        else:
            self._serial.write(data)
            self._serial.flush()
        self.sent += len(data)

    def scan(self, code: str | bytes, *, split: int = 1, pause_s: float = 0.0) -> None:
        """One code + suffix, optionally in `split` writes `pause_s` apart (slow UART, USB packets)."""
        data = (code.encode() if isinstance(code, str) else code) + self.suffix
        step = max(1, -(-len(data) // max(1, split)))
        for i in range(0, len(data), step):
            self.write(data[i:i + step])
            if pause_s and i + step < len(data):
                time.sleep(pause_s)

    def garbage(self, length: int = 16, with_end: bool = True) -> bytes:
        """Random bytes (line noise), without line ends unless `with_end`."""
        data = bytes(self.rng.choice([b for b in range(256) if b not in (0x02, 0x03, 0x04, 0x0A, 0x0D)])
                     for _ in range(length))
        self.write(data + (self.suffix if with_end else b""))
        return data

    def over_long(self, length: int = 2000) -> None:
        self.write(b"9" * length + self.suffix)

    def control_chars(self) -> None:
        self.write(b"\x1b[2J\x00\x07000.00.12.H12\x7f-261110-0001" + self.suffix)

    def unfinished(self, code: str = "000.00.12.H12-2611") -> None:
        """Half a code and no end: the reader must drop it after its timeout."""
        self.write(code.encode())

    def close(self) -> None:
        if self._serial is not None:
            self._serial.close()
            self._serial = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devices.scanner.simulator", description=__doc__.split("\n\n")[0])
    parser.add_argument("port", help="the device end of a pty pair (socat), or a serial port")
    parser.add_argument("--code", action="append", default=[], help="a code to send (repeatable)")
    parser.add_argument("--garbage", type=int, default=0, help="send this many garbage lines first")
    parser.add_argument("--suffix", choices=sorted(SUFFIXES), default="cr")
    parser.add_argument("--baudrate", type=int, default=9600)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between codes")
    args = parser.parse_args(argv)
    with ScannerSimulator(args.port, baudrate=args.baudrate, suffix=SUFFIXES[args.suffix]) as sim:
        for _ in range(args.garbage):
            sim.garbage()
        for i, code in enumerate(args.code):
            if i:
                time.sleep(args.interval)
            sim.scan(code)
    return 0


if __name__ == "__main__":
    sys.exit(main())
