"""The province bridge of a running central: the look-up cache for the dossier routes and a
thread that pushes the outbox every `push_every_s` and writes yesterday's file once a day."""
from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from central.centres import CentreRow, doc_of
from central.db import Database
from central.province import export, outbox
from central.province.cache import LookupCache
from central.province.client import ProvinceSystem, RestProvinceClient
from central.province.settings import ProvinceSettings

log = logging.getLogger(__name__)


class ProvinceBridge:
    def __init__(self, db: Database, settings: ProvinceSettings, system: ProvinceSystem | None = None) -> None:
        self.db, self.settings = db, settings
        self.system: ProvinceSystem = system or RestProvinceClient(settings)
        self.cache = LookupCache(db, self.system, settings)
        self.last: outbox.Delivery | None = None
        self._exported: set[tuple[int, str]] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def install(self, app: Any) -> "ProvinceBridge":
        app.state.province = self  # read by central.dossier_api
        return self

    def start(self) -> "ProvinceBridge":
        self._thread = threading.Thread(target=self._run, name="province-bridge", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        close = getattr(self.system, "close", None)
        if close is not None:
            close()

    def run_once(self, now: dt.datetime | None = None) -> outbox.Delivery:
        """One round: push what is due, write the daily files that are missing."""
        self.last = outbox.deliver(self.db, self.system, self.settings, now)
        if self.settings.export_dir:
            self.export_yesterday(now)
        return self.last

    def export_yesterday(self, now: dt.datetime | None = None) -> list[Path]:
        """Each centre's file of its local yesterday, once per day (again after a restart: idempotent)."""
        assert self.settings.export_dir is not None
        written = []
        with self.db.transaction() as s:
            for centre in s.scalars(select(CentreRow)):
                tz = ZoneInfo(doc_of(centre).config.centre.timezone)
                day = (now or dt.datetime.now(tz)).astimezone(tz).date() - dt.timedelta(days=1)
                if (centre.id, day.isoformat()) in self._exported:
                    continue
                written.append(export.write_day(s, centre, day, self.settings.export_dir, self.settings.export_format))
                self._exported.add((centre.id, day.isoformat()))
        return written

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                done = self.run_once()
                if done.last_error:
                    log.warning("province: %s (sent %d, kept for later)", done.last_error, done.sent)
            except Exception:  # the bridge must outlive any bug or outage
                log.exception("province bridge round failed")
            self._stop.wait(self.settings.push_every_s)
