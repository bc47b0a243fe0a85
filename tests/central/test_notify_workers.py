"""The notifier under `kiosk central serve --workers 2` (the supervising process runs the one
notify loop, next to the alert watcher) and with two senders at once (each message is claimed
before it is sent: nothing goes twice)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from central_helpers import Central
from sqlalchemy import select
from test_notify import PHONE, configure, issue

from central.centres import load_toml, store_doc
from central.db import Database, connect, utc_now
from central.notify.adapters import notifier_for
from central.notify.outbox import SENT, NotifyMessage, _claim, deliver, scan
from central.notify.simulator import GatewaySimulator
from kiosk.contract.config import SAMPLE_CONFIG
from tests.waiting import wait_until

ADMIN = "workers-test-admin-token-0123456789"


@dataclass
class Served:
    """What tests/central/central_helpers.Central needs of a central: here a `kiosk central serve`."""
    url: str
    db: Database
    admin_token: str


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_two_workers_send_each_message_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with GatewaySimulator("sms") as sim:
        configure(monkeypatch, sim)
        db_url, port = f"sqlite:///{tmp_path}/central.db", _port()
        env = {**os.environ, "KIOSK_CENTRAL_ADMIN_TOKEN": ADMIN, "KIOSK_NOTIFY_INTERVAL_S": "0.2"}
        proc = subprocess.Popen([sys.executable, "-m", "central", "serve", "--db", db_url, "--port", str(port),
                                 "--workers", "2"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)
        db: Database | None = None
        try:
            url = f"http://127.0.0.1:{port}"

            def up() -> bool:
                assert proc.poll() is None, "the central stopped"
                try:
                    return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
                except httpx.TransportError:
                    return False
            wait_until(up, timeout=60, message="the central with two workers")
            db = connect(db_url)
            with db.transaction() as s:
                store_doc(s, load_toml(SAMPLE_CONFIG))
            central = Central(Served(url, db, ADMIN))  # type: ignore[arg-type]  # its url, db and admin_token
            kiosk = central.enrol("lobby")
            # One at a time: each arrival shows the loop went round again since the one before.
            for i, label in enumerate(("A001", "A002", "A003"), start=1):
                issue(kiosk, [label], {label: PHONE})
                wait_until(lambda n=i: len(sim.received) >= n, timeout=30, message=f"the message for {label}")
            assert sorted(b["text"].split(" so ", 1)[1].split()[0] for b in sim.received) == ["A001", "A002", "A003"]
            assert len({b["id"] for b in sim.received}) == 3

            def statuses() -> list[str]:
                assert db is not None
                with db.transaction() as s:
                    return [m.status for m in s.scalars(select(NotifyMessage))]
            wait_until(lambda: statuses() == [SENT] * 3, timeout=10, message="every message marked sent")
            assert len(sim.received) == 3  # nothing sent twice, after all those rounds
        finally:
            proc.terminate()
            out, _ = proc.communicate(timeout=30)
            if db is not None:
                db.close()
        assert PHONE not in out  # the workers' and the supervisor's logs: masked only


def test_two_senders_at_once_never_send_a_message_twice(any_central: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with GatewaySimulator("zalo") as sim:
        settings = configure(monkeypatch, sim, ahead=50)
        labels = [f"A{i:03d}" for i in range(1, 13)]
        issue(any_central.enrol("lobby"), labels, dict.fromkeys(labels, PHONE))
        with any_central.db.transaction() as s:
            assert scan(s, settings) == 12
        with any_central.db.transaction() as s:
            first = s.scalars(select(NotifyMessage.id)).first()
        assert first is not None
        assert _claim(any_central.db, first, utc_now(), settings) is not None
        assert _claim(any_central.db, first, utc_now(), settings) is None  # taken: not due for anyone else
        counts: list[int] = []
        go = threading.Barrier(2)

        def sender() -> None:
            go.wait()
            counts.append(deliver(any_central.db, notifier_for(settings), settings))
        threads = [threading.Thread(target=sender) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sum(counts) == 11 and len(sim.received) == 11
        assert len({b["tracking_id"] for b in sim.received}) == 11
