import json
import os
import subprocess
import sys
from pathlib import Path

from kiosk.contract.config import SAMPLE_CONFIG
from tests.conftest import ROOT


def test_status_reports_backlog_leases_and_health(tmp_path, config, monday_9am):
    from kiosk.bootstrap import build_core
    from kiosk.ports import HealthReport, HealthState
    core = build_core(config, tmp_path, clock=monday_9am)
    core.desk.issue("TPHT", None, "k1")
    core.health.report(HealthReport("printer", HealthState.FAILED, "paper out"))
    core.close()
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "status", "--config", str(SAMPLE_CONFIG),
                          "--data", str(tmp_path), "--json"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["outbox_backlog"] == 2  # the ticket and the health event
    assert "printer=failed paper out" in report["health"]
    assert report["last_contact"] == "never"


def test_status_with_a_broken_config_names_the_key(tmp_path):
    bad = tmp_path / "k.toml"
    bad.write_text('[centre]\ncode = "x"\nname = "y"\n[[services]]\ncode = "A"\nname = "A"\ndigits = 9\n')
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "status", "--config", str(bad)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "key `services[0].digits`" in out.stdout


def test_status_creates_nothing_in_the_current_folder(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "status", "--config", str(SAMPLE_CONFIG)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "--data" in out.stdout and "/var/lib/kiosk" in out.stdout
    assert list(tmp_path.iterdir()) == []  # no ./data
    empty = tmp_path / "empty"
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "status", "--config", str(SAMPLE_CONFIG),
                          "--data", str(empty)], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and not empty.exists()


def test_device_commands_default_to_the_appliance_folders_never_the_current_one(tmp_path):
    from kiosk.contract.config import APPLIANCE_DATA, load_config

    config = load_config(SAMPLE_CONFIG)  # device.data_dir = "data", relative
    assert config.command_data_dir(None) == Path(APPLIANCE_DATA)
    assert config.command_data_dir(str(tmp_path)) == tmp_path
    empty = tmp_path / "nothing-here"
    env = {**os.environ, "KIOSK_DATA": str(empty)}
    for words in (["outbox", "dead"], ["outbox", "requeue", "--all"]):
        out = subprocess.run([sys.executable, str(ROOT / "main.py"), *words, "--config", str(SAMPLE_CONFIG)],
                             cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 2 and f"no device database in {empty}" in out.stdout, out.stdout + out.stderr
    # a provisioning step writes where $KIOSK_DATA says: the bundle lands in DATA/diagnostics
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "provision", "diagnostics", "--config",
                          str(SAMPLE_CONFIG)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert [p.parent for p in empty.rglob("*.zip")] == [empty / "diagnostics"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nothing-here"]  # no ./data, nothing in the cwd
