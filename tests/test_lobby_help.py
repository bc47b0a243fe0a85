"""The lobby's "Cần hỗ trợ" end to end: the kiosk's Lobby.ask_help commits a help.requested
event to its outbox, the real sync sender delivers it to a real central, whose alert rules open
one "help" alert naming the kiosk."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from benchmarks.sync_support import enrolled_config, start_central
from devices.speech.simulator import RecordingSpeaker
from kiosk.health import HealthBoard
from kiosk.i18n import Translator
from kiosk.lobby import Lobby
from kiosk.storage import open_database
from kiosk.storage.outbox import OutboxEvent
from kiosk.sync.client import CentralClient
from kiosk.sync.sender import OutboxSender
from kiosk.ticketing import TicketDesk


@pytest.fixture
def central(tmp_path):
    c = start_central(tmp_path)
    yield c
    c.stop()


def test_the_help_key_reaches_the_staff_as_an_alert(tmp_path, central):
    from central.web.alerts import PushSettings, run_once
    from central.web.models import Alert

    central._app.state.alert_watcher.stop()  # this test runs the rules itself
    config = enrolled_config(central)
    db = open_database(tmp_path / "kiosk" / "kiosk.db")
    try:
        lobby = Lobby(config, TicketDesk(db, config), printer=None, speaker=RecordingSpeaker(),  # type: ignore[arg-type]
                      translator=Translator("vi"), health=HealthBoard())
        lobby.ask_help("priority")
        with db.transaction() as s:
            rows = list(s.scalars(select(OutboxEvent).where(OutboxEvent.type == "help.requested")))
        assert [json.loads(r.payload) for r in rows] == [{"screen": "priority", "counter": None}]

        sender = OutboxSender(db, CentralClient(config.central.url, config.central.token, timeout=2),
                              config.device.id, HealthBoard(), backoff_base_s=0.01)
        result = sender.flush()
        assert result.error is None and result.delivered == 1 and result.dead_lettered == 0
    finally:
        db.close()
    run_once(central.db, PushSettings())
    with central.db.transaction() as s:
        alert = s.scalars(select(Alert).where(Alert.kind == "help", Alert.closed_at.is_(None))).one()
        assert alert.subject == config.device.id and "Cần hỗ trợ" in alert.message
