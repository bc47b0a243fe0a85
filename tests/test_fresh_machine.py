"""Fresh-machine proof: the wheel, built from a copy of the tree and installed with the lock into
a new venv outside it, runs the headless demo, the central, a migration and a backup/restore, and
writes nothing into its own package while doing so (a root-owned install stays as installed).

Slow (a wheel build and a venv of every dependency): marked slow; CI runs it. Set
KIOSK_FRESH_PYTHONS to a list of interpreters (default: this one, and python3.13 when found).
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from kiosk import __version__
from tests.conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.long]
SKIP = {".git", ".venv", "data", "out", "build", "dist", ".kivy-home", ".hypothesis", ".pytest_cache",
        ".schemathesis", "__pycache__", "tests", "docs"}


def interpreters() -> list[str]:
    wanted = os.environ.get("KIOSK_FRESH_PYTHONS")
    if wanted:
        return wanted.split()
    base = getattr(sys, "_base_executable", sys.executable)
    found = [base]
    for candidate in [*sorted(glob.glob("/root/.pyenv/versions/3.13*/bin/python3.13")), shutil.which("python3.13")]:
        # a pyenv shim answers on PATH without an interpreter behind it: ask it to run
        if candidate and subprocess.run([candidate, "-c", "import venv"], capture_output=True).returncode == 0:
            found.append(candidate)
            break
    return found


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src") / "tree"
    shutil.copytree(ROOT, src, ignore=lambda folder, names: [n for n in names if n in SKIP or n.endswith(".egg-info")])
    out = tmp_path_factory.mktemp("wheel")
    # as a release is built: an isolated build environment (setuptools, Babel for the catalogues)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(src)],
                   check=True, timeout=600)
    [built] = out.glob("kiosk_mot_cua-*.whl")
    assert built.name.startswith(f"kiosk_mot_cua-{__version__}-")
    return built


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _package_files(venv: Path) -> set[str]:
    [site] = venv.glob("lib/python3.*/site-packages")
    return {str(p.relative_to(site)) for name in ("kiosk", "central", "screens", "devices", "provisioning")
            for p in (site / name).rglob("*") if "__pycache__" not in p.parts}


@pytest.mark.parametrize("python", interpreters(), ids=lambda p: Path(p).name)
def test_the_wheel_runs_outside_the_tree(python: str, wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "-c", str(ROOT / "requirements" / "test.txt"),
                          f"{wheel}[device,central]"], capture_output=True, text=True, timeout=1500)
    assert pip.returncode == 0, pip.stderr[-3000:]
    kiosk = str(venv / "bin" / "kiosk")
    work = tmp_path / "work"  # the current folder: nothing of the source tree near it
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "KIOSK_CENTRAL", "VIRTUAL_ENV"))}
    env.update(KIVY_NO_ARGS="1", KIVY_NO_CONSOLELOG="1", KIVY_LOG_MODE="PYTHON", SDL_VIDEODRIVER="offscreen",
               SDL_AUDIODRIVER="dummy", KIVY_HOME=str(tmp_path / "kivy-home"))
    installed = _package_files(venv)
    assert any(f.endswith("kiosk/locales/vi/LC_MESSAGES/kiosk.mo") for f in installed)
    assert any(f.endswith("provisioning/deploy/install.sh") for f in installed)

    def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([kiosk, *args], cwd=work, env=env, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"kiosk {' '.join(args)}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        return done

    assert run("--version").stdout.strip() == f"kiosk {__version__}"
    shots = tmp_path / "shots"
    run("demo", "--headless", "--out", str(shots), "--data", str(tmp_path / "demo-data"), timeout=600)
    assert list(shots.glob("*.png")), "the headless demo drew no screen"

    db = f"sqlite:///{tmp_path / 'central.db'}"
    run("central", "migrate", "--db", db)
    [site] = venv.glob("lib/python3.*/site-packages")
    run("central", "import-config", str(site / "kiosk" / "sample_centre.toml"), "--db", db)
    port = _free_port()
    token_file = tmp_path / "admin-token"
    server = subprocess.Popen([kiosk, "central", "serve", "--db", db, "--port", str(port), "--no-migrate",
                               "--admin-token-file", str(token_file)], cwd=work, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "the central did not start"
            time.sleep(0.2)
        page = httpx.get(f"http://127.0.0.1:{port}/login", timeout=10)
        assert page.status_code == 200 and "Đăng nhập" in page.text  # the compiled catalogue, from the package
        token = token_file.read_text().strip()
        code = httpx.post(f"http://127.0.0.1:{port}/api/v1/admin/enrolment-codes", json={"role": "display"},
                          headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert code.status_code == 200, code.text
    finally:
        server.terminate()
        server.communicate(timeout=30)
    backup = tmp_path / "central.backup"
    run("central", "backup", "--db", db, "--out", str(backup))
    run("central", "restore", str(backup), "--db", db, "--yes")
    run("central", "migrate", "--db", db)
    assert "000.00.12.H12" in run("central", "import-config", str(site / "kiosk" / "sample_centre.toml"),
                                  "--db", db).stdout  # the restored database answers
    assert _package_files(venv) == installed, "something wrote into the installed package"
    assert list(work.iterdir()) == [], "something was created in the current folder"
