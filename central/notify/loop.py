"""The central's notification thread: every interval, run_once (purge at day end, make, send)."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from central.db import Database
from central.notify.adapters import notifier_for
from central.notify.outbox import run_once
from central.notify_settings import NotifySettings

log = logging.getLogger(__name__)


@dataclass
class NotifyLoop:
    db: Database
    settings: NotifySettings
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> "NotifyLoop":
        self._thread = threading.Thread(target=self._run, name="notify", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        notifier = notifier_for(self.settings)
        while True:
            try:
                run_once(self.db, self.settings, notifier)
            except Exception:  # keep going; the next round may work (database restarting, ...)
                log.exception("notification round failed")
            # No channel: one purge of numbers kept while one was configured, then nothing more to do.
            if notifier is None or self._stop.wait(self.settings.interval_s):
                return

    def stop(self, timeout: float = 5) -> None:
        """Ends the thread (a no-op when it was never started)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
