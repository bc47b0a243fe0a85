"""Logging of every `kiosk` command: timestamped lines in a terminal; under systemd, lines in
journald's own form (no timestamp, which the journal adds itself, and the level as a `<N>`
syslog prefix, so `journalctl -p warning` works), with Kivy logging through Python only."""
from __future__ import annotations

import logging
import os
import sys
from typing import TextIO

# Python level -> syslog priority (journald reads "<N>" at the start of each line)
PRIORITIES = ((logging.CRITICAL, 2), (logging.ERROR, 3), (logging.WARNING, 4), (logging.INFO, 6))
DEBUG_PRIORITY = 7


def priority(levelno: int) -> int:
    return next((prio for level, prio in PRIORITIES if levelno >= level), DEBUG_PRIORITY)


class JournalFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        prefix = f"<{priority(record.levelno)}>"
        # a traceback's lines keep the level too
        return "\n".join(prefix + line for line in super().format(record).splitlines())


def under_journald(stream: TextIO | None = None) -> bool:
    """True when stderr is the journal's stream (systemd sets JOURNAL_STREAM=device:inode of it)."""
    wanted = os.environ.get("JOURNAL_STREAM", "")
    try:
        dev, ino = (int(x) for x in wanted.split(":"))
        st = os.fstat((stream or sys.stderr).fileno())
    except (ValueError, OSError, AttributeError):
        return False
    return (st.st_dev, st.st_ino) == (dev, ino)


def configure(verbose: bool = False) -> None:
    level = logging.DEBUG if verbose else logging.INFO
    if under_journald():
        # Kivy: through Python logging (our handler), no log files of its own; set before Kivy loads
        os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
        os.environ.setdefault("KIVY_NO_FILELOG", "1")
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JournalFormatter())
        logging.basicConfig(level=level, handlers=[handler], force=True)
    else:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in ("alembic", "PIL", "urllib3", "httpx", "httpcore"):  # their INFO lines bury ours
        logging.getLogger(chatty).setLevel(logging.DEBUG if verbose else logging.WARNING)
