"""Logs under systemd: journald's form (no timestamp of our own, the level as a syslog prefix on
every line); in a terminal, timestamped lines."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

SCRIPT = ("import logging, os\n"
          "from kiosk.logsetup import configure\n"
          "configure(False)\n"
          "logging.getLogger('kiosk.x').warning('low paper')\n"
          "logging.getLogger('kiosk.x').debug('not shown')\n"
          "try:\n    1 / 0\nexcept ZeroDivisionError:\n    logging.getLogger('kiosk.y').exception('failed')\n"
          "print(os.environ.get('KIVY_LOG_MODE'), os.environ.get('KIVY_NO_FILELOG'))\n")


def run(tmp_path: Path, journal: bool) -> tuple[str, str]:
    err = tmp_path / "stderr"
    with err.open("wb") as f:
        st = os.fstat(f.fileno())
        env = {k: v for k, v in os.environ.items() if k not in ("JOURNAL_STREAM", "KIVY_LOG_MODE", "KIVY_NO_FILELOG")}
        if journal:
            env["JOURNAL_STREAM"] = f"{st.st_dev}:{st.st_ino}"
        out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, stderr=f, stdout=subprocess.PIPE,
                             text=True, timeout=60, check=True).stdout
    return err.read_text(), out


def test_journald_lines_carry_the_level_and_no_timestamp(tmp_path: Path) -> None:
    err, out = run(tmp_path, journal=True)
    lines = err.splitlines()
    assert lines[0] == "<4>kiosk.x: low paper"
    assert lines[1] == "<3>kiosk.y: failed" and len(lines) > 3
    assert all(line.startswith("<3>") for line in lines[1:])  # the traceback too
    assert "not shown" not in err
    assert out.split() == ["PYTHON", "1"]  # Kivy: Python logging, no log files


def test_a_terminal_gets_timestamped_lines(tmp_path: Path) -> None:
    err, out = run(tmp_path, journal=False)
    first = err.splitlines()[0]
    assert first.endswith("WARNING kiosk.x: low paper") and first[:4].isdigit() and not first.startswith("<")
    assert out.split() == ["None", "None"]
