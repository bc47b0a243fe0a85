"""One periodic background thread for the central's loops (the notifier, central/notify/loop.py;
the alert watcher, central/web/alerts.py): a round every interval, an exception in one round
logged and the next round run, stop() ending the wait at once."""
from __future__ import annotations

import logging
import threading
from typing import Callable

log = logging.getLogger(__name__)


class Periodic:
    """Calls `work` every `interval_s` on a daemon thread named `name`: first at start when
    `at_start`, else after one interval. `work` returning False ends the thread."""

    def __init__(self, name: str, interval_s: float, work: Callable[[], bool | None], *, at_start: bool = True) -> None:
        self.name, self.interval_s, self.work, self.at_start = name, interval_s, work, at_start
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.rounds = 0  # finished rounds, failed ones included (tests wait on it)

    def start(self) -> "Periodic":
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        if not self.at_start and self._stop.wait(self.interval_s):
            return
        while True:
            go_on: bool | None = True
            try:
                go_on = self.work()
            except Exception:  # keep going; the next round may work (database restarting, ...)
                log.exception("%s: round failed", self.name)
            self.rounds += 1
            if go_on is False or self._stop.wait(self.interval_s):
                return

    def stop(self, timeout: float = 5) -> None:
        """Ends the thread (a no-op when it was never started)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
