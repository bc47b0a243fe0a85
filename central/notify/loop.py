"""The central's notification thread: every interval, run_once (purge at day end, make, send)."""
from __future__ import annotations

from central.db import Database
from central.notify.adapters import notifier_for
from central.notify.outbox import run_once
from central.notify_settings import NotifySettings
from central.periodic import Periodic


class NotifyLoop(Periodic):
    def __init__(self, db: Database, settings: NotifySettings) -> None:
        self.db, self.settings = db, settings
        self.notifier = notifier_for(settings)
        super().__init__("notify", settings.interval_s, self._round)

    def _round(self) -> bool:
        run_once(self.db, self.settings, self.notifier)
        # No channel: one purge of numbers kept while one was configured, then nothing more to do.
        return self.notifier is not None
