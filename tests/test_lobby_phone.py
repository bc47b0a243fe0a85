"""The citizen's phone number at the lobby kiosk (issue 13, docs/notify.md): asked only when the
central has a channel, carried in ticket.issued, forgotten by the kiosk once synced or at day end;
and end to end, a kiosk on a channel-configured central whose gateway simulator gets the message."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
import sys
import uuid

import pytest
import requests
from sqlalchemy import select

from benchmarks.sync_support import enrolled_config
from central.notify.adapters import notifier_for
from central.notify.outbox import run_once
from central.notify.simulator import GatewaySimulator
from central.notify_settings import NotifySettings
from kiosk.bootstrap import build_core
from kiosk.contract.config import Config
from kiosk.i18n import Translator
from kiosk.lobby import Lobby
from kiosk.outbox import forget_phones
from kiosk.storage.outbox import DeadLetter, OutboxEvent
from kiosk.sync.client import CentralClient
from kiosk.sync.service import SyncService
from tests.conftest import ROOT, FakeClock

UTC = dt.timezone.utc
MONDAY = dt.datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 09:00 in Cà Mau, a working Monday
PHONE = "0912345678"


def with_channel(config: Config, channel: str | None, url: str | None = "http://central.invalid") -> Config:
    return config.model_copy(update={
        "lobby": config.lobby.model_copy(update={"phone_channel": channel, "double_tap_guard_s": 0}),
        "central": config.central.model_copy(update={"url": url, "token": "t" if url else None})})


def lobby_for(tmp_path, config: Config, clock: FakeClock) -> tuple[Lobby, object]:
    core = build_core(config, tmp_path / "kiosk", clock=clock)
    lobby = Lobby(config, core.desk, printer=None, speaker=None,  # type: ignore[arg-type]  # not printed here
                  translator=Translator(), health=core.health)
    return lobby, core


def issued_payloads(core) -> list[dict]:
    with core.db.transaction() as s:
        return [json.loads(p) for p in s.scalars(select(OutboxEvent.payload).where(OutboxEvent.type == "ticket.issued")
                                                  .order_by(OutboxEvent.seq))]


def test_the_number_reaches_ticket_issued_only_with_a_channel(tmp_path, config) -> None:
    clock = FakeClock(MONDAY)
    lobby, core = lobby_for(tmp_path, with_channel(config, "zalo"), clock)
    assert lobby.phone_channel == "zalo"
    lobby.take_ticket("TPHT", None, str(uuid.uuid4()), "vi", phone="091 234 5678")
    with pytest.raises(ValueError, match="Vietnamese mobile"):
        lobby.take_ticket("TPHT", None, str(uuid.uuid4()), "vi", phone="0123")
    # The central said "no channel" since: a number given anyway is dropped, the payload is as before.
    lobby.config = with_channel(config, None)
    assert lobby.phone_channel is None
    lobby.take_ticket("TPHT", None, str(uuid.uuid4()), "vi", phone=PHONE)
    # A standalone kiosk (no central) never asks, whatever its file says.
    lobby.config = with_channel(config, "sms", url=None)
    assert lobby.phone_channel is None
    lobby.take_ticket("TPHT", None, str(uuid.uuid4()), "vi", phone=PHONE)
    assert [p.get("phone") for p in issued_payloads(core)] == [PHONE, None, None]
    assert ["phone" in p for p in issued_payloads(core)] == [True, False, False]
    core.close()


def test_the_kiosk_forgets_the_number_once_synced_and_at_day_end(tmp_path, config) -> None:
    clock = FakeClock(MONDAY)
    lobby, core = lobby_for(tmp_path, with_channel(config, "sms"), clock)
    ids = [lobby.take_ticket("TPHT", None, str(uuid.uuid4()), "vi", phone=PHONE).ticket.ticket_id for _ in range(3)]
    with core.db.transaction() as s:
        rows = {r.event_id: r for r in s.scalars(select(OutboxEvent).where(OutboxEvent.type == "ticket.issued"))}
        rows[ids[0]].sent_at = clock()  # the central has it
        dead = rows.pop(ids[2])  # refused for good: a dead letter keeps its payload
        s.add(DeadLetter(event_id=dead.event_id, type=dead.type, occurred_at=dead.occurred_at, payload=dead.payload,
                         reason="test", failed_at=clock()))
        s.delete(dead)
    for args in (("dead",), ("dead", "--json")):  # the technician's view of dead letters: no number
        out = subprocess.run([sys.executable, str(ROOT / "main.py"), "outbox", *args, "--data", str(tmp_path / "kiosk")],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0 and ids[2] in out.stdout and PHONE not in out.stdout + out.stderr
    with core.db.transaction() as s:
        assert forget_phones(s, "2026-11-23") == 1  # today: only the synced copy loses it
    payloads = {p["ticket_id"]: p for p in issued_payloads(core)}
    assert "phone" not in payloads[ids[0]] and payloads[ids[1]]["phone"] == PHONE
    with core.db.transaction() as s:
        assert forget_phones(s, "2026-11-24") == 2  # the next day: the unsent one and the dead letter too
        assert PHONE not in json.loads(s.scalars(select(DeadLetter.payload)).one()).values()
    assert all("phone" not in p for p in issued_payloads(core))
    with core.db.transaction() as s:
        assert forget_phones(s, "2026-11-24") == 0
    core.close()


def _notify_env(monkeypatch: pytest.MonkeyPatch, sim: GatewaySimulator | None) -> None:
    for k in ("CHANNEL", "URL", "TOKEN"):
        monkeypatch.delenv(f"KIOSK_NOTIFY_{k}", raising=False)
    for name, value in (sim.environ() if sim is not None else {}).items():
        monkeypatch.setenv(name, value)


def test_the_central_tells_the_kiosk_its_channel_in_the_served_config(central, monkeypatch) -> None:
    config = enrolled_config(central)
    headers = {"Authorization": f"Bearer {config.central.token}"}
    _notify_env(monkeypatch, None)
    plain = requests.get(f"{central.url}/api/v1/config", headers=headers, timeout=10)
    assert plain.json()["lobby"].get("phone_channel") is None
    with GatewaySimulator("sms") as sim:
        _notify_env(monkeypatch, sim)
        # The kiosk's cached ETag no longer matches: it gets the document again, with the channel.
        again = requests.get(f"{central.url}/api/v1/config", timeout=10,
                             headers={**headers, "If-None-Match": plain.headers["ETag"]})
        assert again.status_code == 200 and again.json()["lobby"]["phone_channel"] == "sms"
        same = requests.get(f"{central.url}/api/v1/config", timeout=10,
                            headers={**headers, "If-None-Match": again.headers["ETag"]})
        assert same.status_code == 304
        monkeypatch.setenv("KIOSK_NOTIFY_CHANNEL", "fax")  # not a channel: none
        off = requests.get(f"{central.url}/api/v1/config", timeout=10,
                           headers={**headers, "If-None-Match": again.headers["ETag"]})
        assert off.status_code == 200 and off.json()["lobby"].get("phone_channel") is None


def test_end_to_end_a_number_given_at_the_kiosk_gets_the_soon_message(tmp_path, central, monkeypatch) -> None:
    with GatewaySimulator("zalo", log_path=tmp_path / "sent.jsonl") as sim:
        _notify_env(monkeypatch, sim)
        config = enrolled_config(central)
        clock = FakeClock(MONDAY)
        core = build_core(config, tmp_path / "kiosk", clock=clock)
        client = CentralClient(config.central.url, config.central.token, timeout=config.central.timeout_s)
        sync = SyncService(core, client)
        sync.run_once()  # pulls the config: the central has a channel
        assert core.config.lobby.phone_channel == "zalo"
        lobby = Lobby(core.config, core.desk, printer=None, speaker=None,  # type: ignore[arg-type]
                      translator=core.translator, health=core.health)
        ticket = lobby.take_ticket("TPHT", None, str(uuid.uuid4()), "vi", phone="+84 912 345 678").ticket
        clock.advance(seconds=2)
        sync.run_once()  # delivered; the kiosk's copy loses the number at once
        assert all("phone" not in p for p in issued_payloads(core))
        # The central's notify round at the kiosk's moment (its thread would purge a past day's number).
        settings = dataclasses.replace(NotifySettings.from_env(), public_url="https://hcc.camau.gov.vn")
        assert run_once(central.db, settings, notifier_for(settings), now=clock()) == 1
        [body] = sim.received
        assert body["phone"] == "84912345678" and body["template_id"] == "soon"
        assert body["template_data"]["number"] == ticket.display_number
        assert body["template_data"]["link"].startswith("https://hcc.camau.gov.vn/t/")
        [logged] = [json.loads(line) for line in (tmp_path / "sent.jsonl").read_text().splitlines()]
        assert logged["phone"] == "84*******78" and logged["template_data"] == body["template_data"]
        core.close()


def test_the_demo_runs_a_simulator_unless_a_real_channel_is_set(tmp_path, monkeypatch) -> None:
    from provisioning.demo import SIMULATED_ENV, start_notify_simulator
    for name in ("KIOSK_NOTIFY_URL", "KIOSK_NOTIFY_TOKEN", SIMULATED_ENV):  # restored after the test
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.setenv("KIOSK_NOTIFY_CHANNEL", "sms")  # a real gateway configured: left alone
    assert start_notify_simulator("zalo", tmp_path) is None
    monkeypatch.delenv("KIOSK_NOTIFY_CHANNEL")
    sim = start_notify_simulator("zalo", tmp_path)
    try:
        assert sim is not None and NotifySettings.from_env().enabled and NotifySettings.from_env().url == sim.url
        # A restarted demo inherits this environment: it starts its own simulator again.
        again = start_notify_simulator("zalo", tmp_path)
        assert again is not None and again.url != sim.url
        again.__exit__(None, None, None)
    finally:
        sim.__exit__(None, None, None)
