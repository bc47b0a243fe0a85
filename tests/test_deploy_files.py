"""The deploy files hold up without a full machine: systemd units pass `systemd-analyze verify`
with no warning, the reverse-proxy example passes `nginx -t`, the PostgreSQL set-up script makes
its role and database and refuses pool sizes beyond max_connections."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

DEPLOY = ROOT / "provisioning" / "deploy"
UNITS = sorted([*DEPLOY.glob("*.service"), *DEPLOY.glob("*.timer"), *DEPLOY.glob("*/*.service"),
                *DEPLOY.glob("*/*.timer")])
INSTALL_PATHS = ("/opt/kiosk-central/current/bin/kiosk", "/usr/bin/cage")


def test_there_are_units() -> None:
    names = {u.name for u in UNITS}
    assert {"kiosk.service", "kiosk-central.service", "kiosk-central-backup.timer", "kiosk-central-prune.timer"} <= names


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_unit_verifies_without_warnings(unit: Path, tmp_path: Path) -> None:
    text = unit.read_text()
    for path in INSTALL_PATHS:  # the installed programs, here: any executable
        text = text.replace(path, sys.executable)
    copy = tmp_path / unit.name
    copy.write_text(text)
    for other in UNITS:  # a timer needs its service beside it
        if other != unit and not (tmp_path / other.name).exists():
            (tmp_path / other.name).write_text(other.read_text().replace("/opt/", "/nonexistent/"))
    r = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60)
    own = [line for line in (r.stdout + r.stderr).splitlines() if line.startswith(str(copy)) or unit.name in line]
    assert not [line for line in own if "not executable" not in line or sys.executable in line], own
    section = ""
    for line in text.splitlines():  # systemd ignores StartLimit* outside [Unit]
        if line.startswith("[") and line.rstrip().endswith("]"):
            section = line.strip()
        elif line.startswith("StartLimit"):
            assert section == "[Unit]", line


@pytest.mark.skipif(not shutil.which("nginx") and not os.path.exists("/usr/sbin/nginx"), reason="nginx not installed")
def test_nginx_example_is_valid(tmp_path: Path) -> None:
    key, crt = tmp_path / "central.key", tmp_path / "central.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=central.example.lan", "-keyout", str(key), "-out", str(crt)], check=True, capture_output=True)
    site = (DEPLOY / "central" / "nginx-central.conf").read_text()
    site = site.replace("/etc/kiosk/tls/central.crt", str(crt)).replace("/etc/kiosk/tls/central.key", str(key))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
                                         f"events {{}}\nhttp {{ access_log off; include {tmp_path}/site.conf; }}\n")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    r = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "--root-path /central" in site and "proxy_pass http://127.0.0.1:8800/;" in site


@pytest.mark.postgres
def test_postgres_setup_script(tmp_path: Path) -> None:
    from benchmarks.throwaway_pg import PostgresUnavailable, ThrowawayPostgres

    try:
        pg = ThrowawayPostgres().start()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    try:
        env = {**os.environ, "PSQL": "psql", "PGHOST": "127.0.0.1", "PGPORT": str(pg.port), "PGUSER": "postgres",
               "ENV_FILE": str(tmp_path / "central.env")}
        script = str(DEPLOY / "central" / "postgres-setup.sh")
        for _ in range(2):  # runs again without harm
            r = subprocess.run(["bash", script, "--workers", "4"], env=env, capture_output=True, text=True, timeout=60)
            assert r.returncode == 0, r.stderr
        settings = (tmp_path / "central.env").read_text()
        assert settings.count("KIOSK_CENTRAL_DB=postgresql+psycopg://kiosk-central@/kiosk_central") == 1
        assert "KIOSK_CENTRAL_WORKERS=4" in settings
        q = subprocess.run(["psql", "-Atc", "SELECT rolconnlimit FROM pg_roles WHERE rolname = 'kiosk-central'"],
                           env=env, capture_output=True, text=True, check=True)
        assert int(q.stdout) == 5 * 12 + 5
        r = subprocess.run(["bash", script, "--workers", "40"], env=env, capture_output=True, text=True, timeout=60)
        assert r.returncode == 3 and "max_connections" in r.stderr
    finally:
        pg.stop()
