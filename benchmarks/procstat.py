"""The benchmarks' child processes: their CPU time from Linux /proc (a loaded shared machine
distorts wall-clock figures; CPU time much less), and stopping them."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path


def _stat(pid: int | str) -> list[str] | None:
    try:  # the command name in parentheses may hold spaces: split after its ')'
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None  # gone (a backend that just ended), or not Linux


def cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) a process has used so far; None when it cannot be read."""
    fields = _stat(pid)
    return None if fields is None else (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_s(root: int) -> float:
    """CPU seconds of a process and its children: a PostgreSQL server (postmaster and backends),
    uvicorn's supervisor and its workers."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat(entry)
        if fields is not None and (int(entry) == root or int(fields[1]) == root):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def stop(proc: subprocess.Popen, timeout_s: float) -> None:
    """SIGTERM, then SIGKILL if it has not ended within timeout_s: a bench never hangs on a child."""
    proc.terminate()
    try:
        proc.wait(timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
