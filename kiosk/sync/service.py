"""The sync thread: flushes the outbox, keeps leases topped up, sends heartbeats and pulls
the centre config. Everything here is best effort; the kiosk works the same without it."""
from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from kiosk import __version__
from kiosk.bootstrap import Core
from kiosk.contract.config import Config, ConfigError, Service, merge_centre_document
from kiosk.contract.events import Event, iso
from kiosk.contract.wire import DeviceHeartbeat, HealthEntry, printable
from kiosk.contract.windows import works_on
from kiosk.domain.clock import local_day
from kiosk.files import write_atomic
from kiosk.health import HealthReporter
from kiosk.outbox import dead_letter_count, forget_phones, pending_count
from kiosk.ports import HealthState
from kiosk.storage.engine import StorageError
from kiosk.sync import state
from kiosk.sync.client import CentralClient, CentralRejected, CentralUnavailable
from kiosk.sync.leases import FallbackLeases, LeaseKeeper, remaining_central
from kiosk.sync.sender import OutboxSender

log = logging.getLogger(__name__)
CENTRE_DOCUMENT = "centre.json"


@dataclass(frozen=True)
class SyncStatus:
    online: bool
    backlog: int
    last_contact: str | None
    last_error: str | None


def save_centre_document(data_dir: Path, document: dict[str, Any]) -> None:
    """The centre config from the central, kept for offline restarts; written whole or not at all
    (a power cut never leaves half a document for load_cached_centre)."""
    write_atomic(data_dir / CENTRE_DOCUMENT, json.dumps(document, ensure_ascii=False))


def load_cached_centre(config: Config, data_dir: Path) -> Config:
    """At start, the centre config last received from the central (works offline)."""
    path = data_dir / CENTRE_DOCUMENT
    if not path.exists():
        return config
    try:
        return merge_centre_document(config, json.loads(path.read_text(encoding="utf-8")), str(path))
    except (ValueError, ConfigError) as exc:
        log.error("ignoring the cached centre config: %s", exc)
        return config


class SyncService:
    def __init__(self, core: Core, client: CentralClient, *, on_config: Callable[[Config], None] | None = None,
                 on_status: Callable[[SyncStatus], None] | None = None, tick_s: float = 1.0) -> None:
        self.core = core
        self.client = client
        self.on_config = on_config
        self.on_status = on_status
        self.tick_s = tick_s
        c = core.config.central
        self.sender = OutboxSender(core.db, client, core.config.device.id, core.health,
                                   batch_size=c.batch_size, backoff_cap_s=c.backoff_cap_s, clock=core.desk.clock)
        core.desk.leases = FallbackLeases(core.config)
        # Every report is sent: the board keeps the latest per device and tells only changes,
        # and the sender reports "central" too.
        self._central = HealthReporter("central", core.health.report, repeats="send", max_detail=None)
        self._storage = HealthReporter("storage", core.health.report, repeats="send", max_detail=None)
        self._config = HealthReporter("config", core.health.report, repeats="send", max_detail=300)
        self.keeper = LeaseKeeper(core.db, client, core.config, core.desk.clock)
        if core.config.device.role == "lobby":
            core.desk.refill = self.refill
        self.started = time.monotonic()
        self.online: bool | None = None  # unknown until the first contact or failure
        self._next = {"heartbeat": 0.0, "config": 0.0, "purge": 0.0, "forget": 0.0}
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except StorageError as exc:
                self._storage(HealthState.FAILED, str(exc))
            except Exception:  # the sync thread must outlive any bug in one pass
                log.exception("sync pass failed")
            self._wake.wait(self.tick_s)
            self._wake.clear()

    # -- one pass ------------------------------------------------------------------------
    def run_once(self) -> None:
        now = time.monotonic()
        c = self.core.config.central
        if now >= self._next["config"]:
            self._next["config"] = now + c.config_poll_s
            self.pull_config()
        # only a lobby kiosk issues numbers; in backoff the central is known unreachable
        if self.core.config.device.role == "lobby" and self.sender.due():
            self.top_up_leases()  # a local check each pass; the network only when a lease runs low
            if self.core.desk.board.due(self.core.desk.clock()):
                self.refresh_queue()
        result = self.sender.flush()
        if result.delivered or now >= self._next["forget"]:  # once synced, and past the day's end
            self._next["forget"] = now + 300
            self.forget_phones()
        if result.delivered or result.dead_lettered:
            self._set_online(True)
        elif result.error:
            self._set_online(False)
        if now >= self._next["heartbeat"]:
            self._next["heartbeat"] = now + c.heartbeat_s
            self.heartbeat()
        if now >= self._next["purge"]:
            self._next["purge"] = now + 3600
            self.sender.purge_sent()
        self._publish()

    def forget_phones(self) -> int:
        """Citizens' numbers leave the kiosk's database once the central has them, and at day end."""
        with self.core.db.transaction() as s:
            return forget_phones(s, local_day(self.core.desk.clock(), self.core.desk.tz))

    def _set_online(self, online: bool) -> None:
        if online != self.online:
            self.online = online
            self._central(HealthState.OK if online else HealthState.DEGRADED,
                          "" if online else "central unreachable: working offline")

    def status(self) -> SyncStatus:
        with self.core.db.transaction() as s:
            return SyncStatus(bool(self.online), pending_count(s), state.get(s, "central.last_contact"),
                              state.get(s, "outbox.last_error") or None)

    def _publish(self) -> None:
        if self.on_status is not None:
            self.on_status(self.status())

    def heartbeat(self) -> bool:
        with self.core.db.transaction() as s:
            backlog, dead = pending_count(s), dead_letter_count(s)
        health = {name[:100]: HealthEntry(state=r.state.value, detail=printable(r.detail, 500))
                  for name, r in sorted(self.core.health.snapshot().items())[:50]}
        event = Event(DeviceHeartbeat(version=__version__, uptime_s=round(time.monotonic() - self.started),
                                      disk_free_bytes=shutil.disk_usage(self.core.data_dir).free,
                                      outbox_backlog=backlog, dead_letters=dead, health=health,
                                      role=self.core.config.device.role), occurred_at=self.core.desk.clock())
        try:
            # Heartbeats are not queued: an old one is worthless, and offline they would pile up.
            self.client.post_events(self.core.config.device.id, [event.wire()], self.core.desk.clock())
        except (CentralUnavailable, CentralRejected):
            self._set_online(False)
            return False
        self._set_online(True)
        with self.core.db.transaction() as s:
            state.put(s, "central.last_contact", iso(self.core.desk.clock()))
        return True

    def pull_config(self) -> bool:
        with self.core.db.transaction() as s:
            etag = state.get(s, "config.etag")
        try:
            answer = self.client.get_config(etag)
        except (CentralUnavailable, CentralRejected) as exc:
            log.info("config pull failed: %s", exc)
            return False
        if not answer.changed or answer.document is None:
            return False
        try:
            new = merge_centre_document(self.core.config, answer.document)
        except ConfigError as exc:
            self._config(HealthState.DEGRADED, f"central config refused: {exc}")
            return False
        save_centre_document(self.core.data_dir, answer.document)
        with self.core.db.transaction() as s:
            state.put(s, "config.etag", answer.etag or "")
        self.apply_config(new)
        return True

    def apply_config(self, config: Config) -> None:
        self.core.config = config
        self.core.desk.reconfigure(config)
        self.core.desk.leases = FallbackLeases(config)
        self.keeper.config = config
        if self.on_config is not None:
            self.on_config(config)

    def top_up_leases(self) -> int:
        """Lease more numbers for each service open today whose central leases run low."""
        config = self.core.config
        now = self.core.desk.clock()
        day = local_day(now, self.core.desk.tz)
        today = now.astimezone(self.core.desk.tz).date()
        leased = 0
        for service in config.services:
            if not works_on(service, config.calendar, today):
                continue  # not its weekday, or a holiday / closed day (the central would refuse)
            with self.core.db.transaction() as s:
                left = remaining_central(s, service.code, day)
                refused = self.keeper.recently_refused(s, service.code, day, now)
            if left > config.numbering.lease_low_water or refused:
                continue
            answer = self.keeper.request(service, day)
            if answer == "unavailable":
                return leased
            leased += answer == "granted"
        return leased

    def refill(self, service: Service, day: str) -> None:
        """The desk is out of leased numbers for a service (its thread, before issuing): one
        request to the central unless it is known unreachable, so that online a kiosk issues
        from leases (and within the centre's quotas), and the fallback block stays for offline."""
        if self.sender.due():
            self.keeper.request(service, day)

    def refresh_queue(self) -> bool:
        """The central's queue summary, for the people-ahead counts on tickets and tiles."""
        try:
            summary = self.client.queue_summary(local_day(self.core.desk.clock(), self.core.desk.tz))
        except (CentralUnavailable, CentralRejected) as exc:
            log.info("queue summary unavailable: %s", exc)
            return False
        self.core.desk.board.update(summary, self.core.desk.clock())
        return True
