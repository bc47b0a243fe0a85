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


def _fake_release(root: Path, wheelhouse: Path, version: str) -> None:
    """A version as install_version leaves it (the pip step itself runs in test_fresh_machine)."""
    wheelhouse.mkdir(parents=True, exist_ok=True)
    for old in wheelhouse.glob("kiosk_mot_cua-*.whl"):
        old.unlink()
    (wheelhouse / f"kiosk_mot_cua-{version}-py3-none-any.whl").write_bytes(b"")
    venv = root / "opt" / "kiosk" / version
    (venv / "bin").mkdir(parents=True, exist_ok=True)
    (venv / ".complete").touch()


def test_install_into_a_temporary_root(tmp_path: Path) -> None:
    root, wheelhouse = tmp_path / "root", tmp_path / "wheelhouse"
    _fake_release(root, wheelhouse, "0.1.0")
    env = {**os.environ, "DESTDIR": str(root)}
    r = subprocess.run(["bash", str(DEPLOY / "install.sh"), str(wheelhouse)], env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert os.readlink(root / "opt/kiosk/current") == "0.1.0"
    config = (root / "etc/kiosk/kiosk.toml").read_text()
    assert "kiosk_mode = true" in config and '\nkind = "none"' in config and '# kind = "usb"' in config
    assert os.readlink(root / "etc/systemd/system/brltty.service") == "/dev/null"
    assert (root / "etc/systemd/system/kiosk.service").read_text() == (DEPLOY / "kiosk.service").read_text()
    assert (root / "etc/pam.d/kiosk-session").exists() and (root / "etc/udev/rules.d/99-kiosk-serial.rules").exists()
    assert os.access(root / "opt/kiosk/upgrade.sh", os.X_OK)
    venv_mode = (root / "opt/kiosk/0.1.0").stat().st_mode
    assert not venv_mode & 0o022  # the service cannot rewrite its own code
    (root / "etc/kiosk/kiosk.toml").write_text(config + "# tuned\n")
    r = subprocess.run(["bash", str(DEPLOY / "install.sh"), str(wheelhouse)], env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0 and (root / "etc/kiosk/kiosk.toml").read_text().endswith("# tuned\n")  # kept


def test_the_production_template_is_a_valid_config() -> None:
    from kiosk.contract.config import load_config

    config = load_config(DEPLOY / "kiosk.toml.example")
    assert config.device.kiosk_mode and config.printer.kind == "none"


def _upgrade(root: Path, wheelhouse: Path, health: str, *extra: str) -> subprocess.CompletedProcess[str]:
    log = root / "systemctl.log"
    fake = root / "systemctl"
    fake.write_text(f"#!/bin/sh\necho \"$@\" >> {log}\n")
    fake.chmod(0o755)
    env = {**os.environ, "DESTDIR": str(root), "SYSTEMCTL": str(fake), "HEALTH_CMD": health,
           "HEALTH_TIMEOUT": "3", "HEALTH_SETTLE": "0"}
    args = list(extra) or [str(wheelhouse)]
    return subprocess.run(["bash", str(DEPLOY / "upgrade.sh"), *args], env=env, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.long
def test_upgrade_rolls_back_when_the_health_check_fails(tmp_path: Path) -> None:
    root, wheelhouse = tmp_path / "root", tmp_path / "wheelhouse"
    _fake_release(root, wheelhouse, "0.1.0")
    (root / "opt/kiosk/current").symlink_to("0.1.0")
    _fake_release(root, wheelhouse, "0.2.0")
    r = _upgrade(root, wheelhouse, "false")
    assert r.returncode == 1 and "rolling back to 0.1.0" in r.stderr
    assert os.readlink(root / "opt/kiosk/current") == "0.1.0" and os.readlink(root / "opt/kiosk/failed") == "0.2.0"
    assert (root / "systemctl.log").read_text().splitlines() == ["restart kiosk.service"] * 2

    r = _upgrade(root, wheelhouse, f"test -L {root}/opt/kiosk/current")  # a passing check
    assert r.returncode == 0 and "upgraded 0.1.0 -> 0.2.0" in r.stdout
    assert os.readlink(root / "opt/kiosk/current") == "0.2.0" and os.readlink(root / "opt/kiosk/previous") == "0.1.0"
    assert _upgrade(root, wheelhouse, "true").stdout.startswith("already at 0.2.0")

    r = _upgrade(root, wheelhouse, "true", "--rollback")
    assert r.returncode == 0 and os.readlink(root / "opt/kiosk/current") == "0.1.0"
