"""Pseudo-terminal pairs for tests and the benchmark: real serial ports without hardware."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import tty
from pathlib import Path


def open_pty_pair() -> tuple[int, int, str]:
    """(master_fd, slave_fd, slave_path), both ends raw so no byte is translated or echoed."""
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    return master, slave, os.ttyname(slave)


class SocatPair:
    """Two linked ptys with stable names (`host`, `dev`) that can be "unplugged" (socat killed,
    the ptys vanish) and "replugged" (socat restarted with the same link names)."""

    def __init__(self, directory: str | Path, host: str = "host", dev: str = "dev") -> None:
        if shutil.which("socat") is None:
            raise RuntimeError("socat is not installed")
        self.host = str(Path(directory) / host)
        self.dev = str(Path(directory) / dev)
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "SocatPair":
        self.plug()
        return self

    def __exit__(self, *exc: object) -> None:
        self.unplug()

    def plug(self, timeout: float = 5.0) -> None:
        for link in (self.host, self.dev):
            if os.path.lexists(link):
                os.unlink(link)  # a stale link from a killed socat would point nowhere
        self._proc = subprocess.Popen(
            ["socat", f"pty,raw,echo=0,link={self.dev}", f"pty,raw,echo=0,link={self.host}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while not (os.path.exists(self.host) and os.path.exists(self.dev)):
            if time.monotonic() > deadline or self._proc.poll() is not None:
                raise RuntimeError("socat did not create the pty links")
            time.sleep(0.005)
        time.sleep(0.05)  # socat links the ptys before configuring them; an early open can see a hangup

    def unplug(self, hard: bool = False) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.send_signal(signal.SIGKILL if hard else signal.SIGTERM)
        proc.wait(5)
