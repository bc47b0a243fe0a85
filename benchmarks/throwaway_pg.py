"""A throwaway PostgreSQL server on loopback, for the tests and the benchmark.

initdb/postgres refuse to run as root, so as root they run as the `postgres` user (runuser)
in a temporary directory that user owns.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from benchmarks.procstat import stop as stop_process


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def find_bindir() -> Path:
    env = os.environ.get("KIOSK_PG_BINDIR")
    candidates = [env] if env else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    if shutil.which("pg_ctl"):
        candidates.append(str(Path(shutil.which("pg_ctl") or "").parent))
    for c in candidates:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "postgres").exists():
            return Path(c)
    raise PostgresUnavailable("PostgreSQL server binaries (initdb, postgres) not found: install the Debian "
                              "package `postgresql` (scripts/setup.sh does) or set KIOSK_PG_BINDIR")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayPostgres:
    def __init__(self, durable: bool = False) -> None:
        self.bindir = find_bindir()
        self.durable = durable  # False: fsync off (tests); True: default durability (benchmark)
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="central-pg-"))
        self._proc: subprocess.Popen[bytes] | None = None
        self._as: list[str] = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    def start(self) -> "ThrowawayPostgres":
        data = self.root / "data"
        init = subprocess.run([*self._as, str(self.bindir / "initdb"), "-D", str(data), "-U", "postgres",
                               "-A", "trust", "-E", "UTF8", "--no-locale"], capture_output=True, text=True)
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed: {init.stderr.strip()}")
        opts = ["-c", "listen_addresses=127.0.0.1", "-p", str(self.port), "-k", str(self.root),
                "-c", "max_connections=200", "-c", "shared_buffers=128MB"]
        if not self.durable:
            opts += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        self._log = open(self.root / "server.log", "wb")  # noqa: SIM115 (closed in stop)
        self._proc = subprocess.Popen([*self._as, str(self.bindir / "postgres"), "-D", str(data), *opts],
                                      stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(self.dsn("postgres"), connect_timeout=1).close()
                return self
            except psycopg.OperationalError:
                if self._proc.poll() is not None or time.monotonic() > deadline:
                    log = (self.root / "server.log").read_text(errors="replace")[-2000:]
                    self.stop()
                    raise RuntimeError(f"postgres did not start:\n{log}") from None
                time.sleep(0.1)

    def server_pid(self) -> int | None:
        """The postmaster's process id (its backends are its children)."""
        try:
            return int((self.root / "data" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def dsn(self, dbname: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        """Creates an empty database; returns its SQLAlchemy URL."""
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            stop_process(self._proc, 20)  # SIGTERM: "smart" shutdown of our own server process
        if hasattr(self, "_log"):
            self._log.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "ThrowawayPostgres":
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
