"""What `kiosk status` prints: read from the device database, so it works beside a running kiosk."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from kiosk.contract.config import Config
from kiosk.domain.clock import local_day, system_clock
from kiosk.outbox import dead_letter_count, pending_count
from kiosk.storage import open_database
from kiosk.storage.leases import NumberLease
from kiosk.storage.outbox import OutboxEvent
from kiosk.sync import state
from kiosk.sync.enrolment import apply_saved


def collect_status(config: Config, data_dir: Path) -> dict[str, Any]:
    config = apply_saved(config, data_dir)
    db = open_database(data_dir / "kiosk.db")
    try:
        day = local_day(system_clock(), ZoneInfo(config.centre.timezone))
        with db.transaction() as s:
            leases = s.scalars(select(NumberLease).where(NumberLease.day == day)).all()
            health_rows = s.execute(select(OutboxEvent.payload, OutboxEvent.occurred_at)
                                    .where(OutboxEvent.type == "device.health").order_by(OutboxEvent.seq)).all()
            health: dict[str, str] = {}
            for payload, at in health_rows:
                p = json.loads(payload)
                health[p["device"]] = f"{p['state']} {p.get('detail', '')} ({at:%Y-%m-%d %H:%M}Z)".strip()
            return {
                "device": f"{config.device.id} ({config.device.role})",
                "central": config.central.url or "none (standalone)",
                "outbox_backlog": pending_count(s),
                "dead_letters": dead_letter_count(s),
                "last_contact": state.get(s, "central.last_contact") or "never",
                "last_error": state.get(s, "outbox.last_error") or "-",
                "next_retry_at": state.get(s, "outbox.next_attempt_at") or "-",
                "leases_today": ", ".join(f"{lease.service_code}:{lease.source}:{lease.first}-{lease.last} next {lease.next_number}"
                                          for lease in leases) or "none",
                "health": "; ".join(f"{k}={v}" for k, v in sorted(health.items())) or "no reports",
            }
    finally:
        db.close()
