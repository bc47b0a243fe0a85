"""`kiosk central ...` commands (through central.cli.register) and the embedded server."""
from __future__ import annotations

import argparse
from pathlib import Path

import httpx
import pytest

from central import cli
from central.embedded import start_embedded
from kiosk.contract.config import SAMPLE_CONFIG


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="kiosk")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return args.func(args)


def test_admin_commands_on_the_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path}/c.db"
    assert run("central", "migrate", "--db", db) == 0  # admin commands create no database
    assert run("central", "import-config", str(SAMPLE_CONFIG), "--db", db) == 0
    assert "000.00.12.H12" in capsys.readouterr().out
    assert run("central", "enrol-code", "--role", "counter", "--db", db, "--url", "http://central.local:8800") == 0
    out = capsys.readouterr().out
    code = out.split(": ", 1)[1].split()[0]
    assert '{"v":1,"central":"http://central.local:8800","code":"' + code + '"}' in out
    assert "█" in out  # the QR in the terminal
    assert run("central", "devices", "--db", db) == 0
    assert "no devices" in capsys.readouterr().out

    with start_embedded(db) as central:
        r = httpx.post(f"{central.url}/api/v1/enrol", json={"code": code})
        assert r.status_code == 200
    device_id = r.json()["device_id"]
    assert run("central", "devices", "--db", db) == 0
    assert device_id in capsys.readouterr().out
    assert run("central", "revoke", device_id, "--db", db) == 0
    assert run("central", "revoke", "nope", "--db", db) == 2
    bad = tmp_path / "bad.toml"
    bad.write_text("[centre]\ncode = 1\n", encoding="utf-8")
    assert run("central", "import-config", str(bad), "--db", db) == 2
    assert "Invalid configuration" in capsys.readouterr().err


def test_embedded_binds_a_free_port_and_keeps_a_given_admin_token(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/e.db"
    with start_embedded(db, admin_token="s3cret-admin") as a, start_embedded(f"sqlite:///{tmp_path}/f.db") as b:
        assert a.url != b.url and a.url.startswith("http://127.0.0.1:") and not a.url.endswith(":0")
        assert a.admin_token == "s3cret-admin" and len(b.admin_token) > 30
        auth = {"Authorization": "Bearer s3cret-admin"}
        assert httpx.get(f"{a.url}/api/v1/admin/centres", headers=auth).json() == []
    with start_embedded(db) as again:  # a fresh token each run; the given one still works
        assert httpx.get(f"{again.url}/api/v1/fleet", headers=auth).status_code == 200
        assert httpx.get(f"{again.url}/api/v1/fleet",
                         headers={"Authorization": f"Bearer {again.admin_token}"}).status_code == 200


def test_admin_tokens_are_listed_revoked_and_rotated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path}/t.db"
    assert run("central", "migrate", "--db", db) == 0
    assert run("central", "admin-token", "create", "ops", "--db", db) == 0
    first = capsys.readouterr().out.split()[-1]
    assert run("central", "admin-token", "revoke", "1", "--db", db) == 2  # never the last active one
    assert "last active" in capsys.readouterr().err
    assert run("central", "admin-token", "create", "backup", "--db", db) == 0
    second = capsys.readouterr().out.split()[-1]
    assert run("central", "admin-token", "rotate", "1", "--db", db) == 0
    rotated = capsys.readouterr().out.split()[-1]
    assert run("central", "admin-token", "list", "--db", db) == 0
    listing = capsys.readouterr().out
    assert "#1" in listing and "revoked" in listing and "#3" in listing and first not in listing
    with start_embedded(db, admin_token=second) as central:
        def status(token: str) -> int:
            return httpx.get(f"{central.url}/api/v1/admin/centres",
                             headers={"Authorization": f"Bearer {token}"}).status_code
        assert (status(first), status(second), status(rotated)) == (401, 200, 200)
        assert run("central", "admin-token", "revoke", "#2", "--db", db) == 0
        assert status(second) == 401


def test_serve_prints_an_admin_token_only_at_the_first_start(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys
    import time
    db = f"sqlite:///{tmp_path}/s.db"

    def serve_once() -> str:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc = subprocess.Popen([sys.executable, "-m", "central", "serve", "--db", db, "--port", str(port)],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert proc.poll() is None and time.monotonic() < deadline, "central did not start"
                time.sleep(0.1)
        finally:
            proc.terminate()
            out, _ = proc.communicate(timeout=30)
        return out

    assert "Admin token" in serve_once()
    assert "Admin token" not in serve_once()
