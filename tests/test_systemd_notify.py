import pytest

import os
import socket

from kiosk.systemd import notify, watchdog_interval_s


def test_notify_sends_to_the_socket_systemd_gives(tmp_path, monkeypatch):
    path = str(tmp_path / "notify.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(path)
    server.settimeout(2)
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    assert notify("READY=1") is True
    assert server.recv(100) == b"READY=1"
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert watchdog_interval_s() == 15
    server.close()


def test_without_systemd_nothing_happens(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    assert notify("READY=1") is False
    assert watchdog_interval_s() is None


@pytest.mark.ui
def test_the_running_kiosk_reports_ready_and_pings_the_watchdog(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT
    from kiosk.contract.config import SAMPLE_CONFIG

    path = str(tmp_path / "notify.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(path)
    server.settimeout(30)
    env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="1000000", KIVY_NO_ARGS="1", KIVY_NO_CONSOLELOG="1",
               SDL_VIDEODRIVER="offscreen", SDL_AUDIODRIVER="dummy", KIVY_HOME=str(ROOT / ".kivy-home"))
    env.pop("WATCHDOG_PID", None)
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "run", "--config", str(SAMPLE_CONFIG),
                             "--data", str(tmp_path / "data")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        messages = [server.recv(100)]
        deadline = time.monotonic() + 10
        while messages.count(b"WATCHDOG=1") < 3 and time.monotonic() < deadline:
            messages.append(server.recv(100))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
        server.close()
    assert messages[0] == b"READY=1"
    assert messages.count(b"WATCHDOG=1") >= 3  # every 0.5 s from the UI loop
