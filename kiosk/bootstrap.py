"""Builds the core of a device from its config: storage, ticketing, translations, health.
Device drivers and the UI are added on top by the launcher (screens/launch.py)."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kiosk.contract.config import Config
from kiosk.contract.events import Event
from kiosk.contract.wire import DeviceHealth, printable
from kiosk.domain.clock import Clock, system_clock
from kiosk.health import HealthBoard
from kiosk.i18n import Translator
from kiosk.outbox import add_event
from kiosk.ports import HealthReport
from kiosk.storage import Database, open_database
from kiosk.storage.engine import StorageError
from kiosk.ticketing import TicketDesk

log = logging.getLogger(__name__)


@dataclass
class Core:
    config: Config
    data_dir: Path
    db: Database
    desk: TicketDesk
    translator: Translator
    health: HealthBoard
    closers: list[Callable[[], object]] = field(default_factory=list)

    def close(self) -> None:
        for close in reversed(self.closers):
            try:
                close()
            except Exception:
                log.exception("error while closing")
        self.db.close()


def _record_health(db: Database, clock: Clock) -> Callable[[HealthReport], None]:
    def listener(report: HealthReport) -> None:
        try:
            with db.transaction() as s:
                # the device's one clock, as every other event: the central checks them together
                add_event(s, Event(DeviceHealth(device=report.device[:100], state=report.state.value,
                                                detail=printable(report.detail, 300)), occurred_at=clock()))
        except StorageError:
            log.error("cannot record health event %s: storage unavailable", report)
    return listener


def build_core(config: Config, data_dir: Path, *, clock: Clock = system_clock) -> Core:
    data_dir.mkdir(parents=True, exist_ok=True)
    db = open_database(data_dir / "kiosk.db")
    health = HealthBoard()
    health.subscribe(_record_health(db, clock))
    return Core(config=config, data_dir=data_dir, db=db, desk=TicketDesk(db, config, clock=clock),
                translator=Translator(config.device.language), health=health)
