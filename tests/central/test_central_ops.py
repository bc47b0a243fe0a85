"""Operating a central: migrate, backups with their restore (SQLite and PostgreSQL), retention,
reads that do not take SQLite's write lock, the admin token kept off the command line and the
journal, and several serving workers built from the app factory."""
from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from central_helpers import Central, heartbeat, issued
from sqlalchemy import func, inspect, select

from central import cli
from central.db import SchemaError, connect, open_database, utc_now
from central.devices import AdminToken
from central.devices import Device as DeviceRow
from central.events import StoredEvent
from central.fleet import HeartbeatRow
from central.ops import Pruned, prune


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="kiosk")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return int(args.func(args))


def count(db_url: str, model: type) -> int:
    db = connect(db_url)
    try:
        with db.reading() as s:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        db.close()


def test_backup_then_restore_gives_back_what_was_stored(any_central: Central, tmp_path: Path) -> None:
    lobby = any_central.enrol("lobby")
    assert lobby.send(heartbeat()).status_code == 200
    url = any_central.db.url
    kept_devices, kept_beats = count(url, DeviceRow), count(url, HeartbeatRow)
    assert run("central", "backup", "--db", url, "--dir", str(tmp_path / "backups"), "--keep", "2") == 0
    [backup] = (tmp_path / "backups").glob("central-*.backup")
    any_central.enrol("display")  # made after the backup: the restore takes it away
    any_central.enrol("display")
    assert count(url, DeviceRow) == kept_devices + 2
    any_central.embedded.stop()  # restore with the central stopped
    assert run("central", "restore", str(backup), "--db", url) == 2  # asks for --yes
    assert run("central", "restore", str(backup), "--db", url, "--yes") == 0
    assert count(url, DeviceRow) == kept_devices and count(url, HeartbeatRow) == kept_beats == 1


def test_backup_rotation_keeps_the_newest(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/c.db"
    open_database(url).close()
    for day in range(1, 5):
        (tmp_path / "b").mkdir(exist_ok=True)
        (tmp_path / "b" / f"central-2026010{day}T000000Z.backup").write_bytes(b"old")
    assert run("central", "backup", "--db", url, "--dir", str(tmp_path / "b"), "--keep", "2") == 0
    left = sorted(p.name for p in (tmp_path / "b").iterdir())
    assert len(left) == 2 and "central-20260104T000000Z.backup" in left and ".part" not in "".join(left)


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path}/c.db"
    open_database(url).close()
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a database" * 100)
    assert run("central", "restore", str(junk), "--db", url, "--yes") == 1
    assert "not an SQLite backup" in capsys.readouterr().err
    assert count(url, DeviceRow) == 0  # the database is still there and sound


def test_prune_deletes_only_what_is_past_its_age(any_central: Central) -> None:
    central = any_central  # on PostgreSQL through the BRIN receipt-time indexes, summarised first
    lobby = central.enrol("lobby")
    assert lobby.send(heartbeat(), issued(lobby, "t-1")).status_code == 200
    url = central.db.url
    events, beats = count(url, StoredEvent), count(url, HeartbeatRow)
    assert events > 0 and beats == 1
    assert prune(central.db, events_days=30, heartbeats_days=7) == Pruned(0, 0, 0, 0)  # nothing is old yet
    later = utc_now() + dt.timedelta(days=10)
    done = prune(central.db, events_days=30, heartbeats_days=7, now=later)
    assert done.heartbeats == 1 and done.events == 0 and count(url, StoredEvent) == events
    done = prune(central.db, events_days=5, heartbeats_days=7, now=later)
    assert done.events == events and count(url, StoredEvent) == 0
    assert count(url, DeviceRow) == 1  # devices, tickets, ratings and report sums are kept
    assert run("central", "prune", "--db", url) == 0
    with pytest.raises(ValueError):
        prune(central.db, events_days=0)
    indexes = {i["name"]: i["column_names"] for i in inspect(central.db.engine).get_indexes("events")}
    assert indexes["ix_events_received_at"] == ["received_at"]  # what prune deletes by


def test_sqlite_reads_neither_take_nor_wait_for_the_write_lock(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path}/c.db")
    writing, release, read_done = threading.Event(), threading.Event(), threading.Event()

    def writer() -> None:
        with db.transaction() as s:
            s.add(AdminToken(id=1, token_hash="h" * 64, label="x", created_at=utc_now()))
            s.flush()
            writing.set()
            release.wait(30)

    t = threading.Thread(target=writer)
    t.start()
    assert writing.wait(10)
    try:
        def reader() -> None:
            with db.reading() as s:
                s.scalar(select(func.count()).select_from(AdminToken))
            read_done.set()
        threading.Thread(target=reader, daemon=True).start()
        assert read_done.wait(5), "a read waited for the writer"
    finally:
        release.set()
        t.join(10)
    with db.reading() as s:  # and a long read does not hold up a writer
        s.scalar(select(func.count()).select_from(AdminToken))
        wrote = threading.Event()

        def write_again() -> None:
            with db.transaction() as w:
                w.get(AdminToken, 1).label = "y"  # type: ignore[union-attr]
            wrote.set()
        threading.Thread(target=write_again, daemon=True).start()
        assert wrote.wait(5), "a writer waited for a reader"
    with pytest.raises(RuntimeError, match="reads only"), db.reading() as s:
        s.get(AdminToken, 1).label = "z"  # type: ignore[union-attr]
    db.close()


def test_admin_commands_need_a_migrated_database_and_create_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    missing = f"sqlite:///{tmp_path}/none.db"
    with pytest.raises(SystemExit, match="kiosk central migrate"):
        run("central", "devices", "--db", missing)
    assert not (tmp_path / "none.db").exists() and not (tmp_path / "data").exists()
    (tmp_path / "empty.db").write_bytes(b"")
    with pytest.raises(SchemaError, match="kiosk central migrate"):
        connect(f"sqlite:///{tmp_path}/empty.db")
    assert run("central", "migrate", "--db", missing) == 0
    assert run("central", "devices", "--db", missing) == 0
    assert cli.DEFAULT_DB.startswith("sqlite:////var/lib/kiosk/")
    (tmp_path / "file").write_text("")  # a folder that cannot be made: a message, not a traceback
    assert run("central", "migrate", "--db", f"sqlite:///{tmp_path}/file/sub/c.db") == 2


def test_the_admin_token_comes_from_a_file_or_credential_and_a_first_one_goes_to_a_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("KIOSK_CENTRAL_ADMIN_TOKEN", raising=False)
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "admin-token").write_text("from-systemd\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
    assert cli.read_admin_token(None) == "from-systemd"
    (tmp_path / "token").write_text("from-file\n")
    assert cli.read_admin_token(str(tmp_path / "token")) == "from-file"
    first = tmp_path / "first-token"
    cli._first_token("generated-secret", str(first))
    assert first.read_text().strip() == "generated-secret"
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    assert "generated-secret" not in capsys.readouterr().out  # the journal never sees it
    assert "--admin-token" not in " ".join(a for act in _serve_parser()._actions for a in act.option_strings
                                           if a != "--admin-token-file")
    with pytest.raises(SystemExit):  # not taken as an abbreviation of --admin-token-file
        _serve_parser().parse_args(["--admin-token", "a-secret"])


def _serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk")
    sub = parser.add_subparsers(dest="command")
    central = cli.register(sub)
    return next(a for a in central._actions if isinstance(a, argparse._SubParsersAction)).choices["serve"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
@pytest.mark.long
def test_serve_with_workers_after_migrate(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/w.db"
    token_file = tmp_path / "admin-token"
    env = {**os.environ, "KIOSK_CENTRAL_ADMIN_TOKEN_FILE": str(token_file)}
    env.pop("KIOSK_CENTRAL_ADMIN_TOKEN", None)
    serve = [sys.executable, "-m", "central", "serve", "--db", db, "--workers", "2", "--no-migrate",
             "--root-path", "/central"]
    refused = subprocess.run([*serve, "--port", str(_free_port())], env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "kiosk central migrate" in refused.stderr
    assert subprocess.run([sys.executable, "-m", "central", "migrate", "--db", db], timeout=60).returncode == 0
    port = _free_port()
    proc = subprocess.Popen([*serve, "--port", str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                if r.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "central did not start"
            time.sleep(0.2)
        token = token_file.read_text().strip()
        r = httpx.get(f"http://127.0.0.1:{port}/api/v1/admin/devices", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert token not in out  # written to the file, never to the journal
