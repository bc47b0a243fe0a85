"""`kiosk provision ...` against a real central on loopback and simulated devices."""
from __future__ import annotations

import datetime as dt
import json
import stat
import subprocess
import sys
import threading
import tomllib
import zipfile
from pathlib import Path

import pytest
import requests

from benchmarks.sync_support import enrolment_code, start_central
from kiosk.contract.config import SAMPLE_CONFIG
from tests.conftest import ROOT
from tests.waiting import wait_until


def kiosk(*args: str, stdin: str | None = None, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          input=stdin, timeout=timeout)


@pytest.fixture(scope="module")
def central(tmp_path_factory):
    c = start_central(tmp_path_factory.mktemp("central"))
    yield c
    c.stop()


def device_config(tmp_path: Path, **sections) -> Path:
    data = tomllib.loads(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    data["device"]["data_dir"] = str(tmp_path / "data")
    for key, value in sections.items():
        data[key] = value
    import tomli_w
    path = tmp_path / "kiosk.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def test_enrol_with_code_then_reused_unknown_and_expired_codes_are_refused(tmp_path, central):
    cfg = device_config(tmp_path)
    code = enrolment_code(central, "counter")
    ok = kiosk("provision", "enrol", "--config", str(cfg), "--central", central.url, "--code", code)
    assert ok.returncode == 0, ok.stderr
    assert "role counter" in ok.stdout
    saved = tmp_path / "data" / "enrolment.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert json.loads(saved.read_text())["role"] == "counter"
    assert (tmp_path / "data" / "centre.json").exists()
    reused = kiosk("provision", "enrol", "--config", str(cfg), "--central", central.url, "--code", code)
    assert reused.returncode == 1 and "refused" in reused.stderr and "used" in reused.stderr
    unknown = kiosk("provision", "enrol", "--config", str(cfg), "--central", central.url, "--code", "NOPE-NOPE")
    assert unknown.returncode == 1 and "refused" in unknown.stderr
    short = requests.post(f"{central.url}/api/v1/admin/enrolment-codes", json={"role": "lobby", "ttl_hours": 0.0003},
                          headers=central.admin_headers, timeout=10).json()  # valid for ~1 s
    expires_at = dt.datetime.fromisoformat(short["expires_at"])
    assert expires_at.tzinfo is not None, short
    wait_until(lambda: dt.datetime.now(dt.timezone.utc) > expires_at, 5, "the code to expire")
    short = short["code"]
    expired = kiosk("provision", "enrol", "--config", str(cfg), "--central", central.url, "--code", short)
    assert expired.returncode == 1 and "expired" in expired.stderr


def test_enrol_from_the_qr_payload_and_a_bad_qr(tmp_path, central):
    cfg = device_config(tmp_path)
    r = requests.post(f"{central.url}/api/v1/admin/enrolment-codes", json={"role": "lobby"},
                      headers=central.admin_headers, timeout=10).json()
    ok = kiosk("provision", "enrol", "--config", str(cfg), "--qr", r["qr_payload"])
    assert ok.returncode == 0, ok.stderr
    bad = kiosk("provision", "enrol", "--config", str(cfg), "--qr", "https://evil.example/?x=1")
    assert bad.returncode == 2 and "not an enrolment QR" in bad.stderr


def _self_signed(tmp_path: Path, name: str) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def test_tls_is_verified_with_a_custom_ca_and_a_wrong_ca_is_refused(tmp_path, central):
    import uvicorn
    from central.app import create_app
    cert, key = _self_signed(tmp_path, "central")
    other, _ = _self_signed(tmp_path, "someone-else")
    server = uvicorn.Server(uvicorn.Config(create_app(central.db), host="127.0.0.1", port=0, log_level="warning",
                                           ssl_certfile=str(cert), ssl_keyfile=str(key), lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, 10, "the TLS central to start")
    url = f"https://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    try:
        cfg = device_config(tmp_path)
        wrong = kiosk("provision", "enrol", "--config", str(cfg), "--central", url,
                      "--code", enrolment_code(central), "--ca-file", str(other))
        assert wrong.returncode == 1 and "TLS certificate not trusted" in wrong.stderr
        right = kiosk("provision", "enrol", "--config", str(cfg), "--central", url,
                      "--code", enrolment_code(central), "--ca-file", str(cert))
        assert right.returncode == 0, right.stderr
        test = kiosk("provision", "test", "central", "--config", str(cfg))
        assert test.returncode == 0 and "PASS  central" in test.stdout, test.stdout + test.stderr
    finally:
        server.should_exit = True
        thread.join(5)


@pytest.mark.long
def test_self_tests_against_simulated_devices(tmp_path, central):
    from devices.printer.simulator import PrinterSimulator
    with PrinterSimulator(state="ok") as printer:
        cfg = device_config(tmp_path, printer={"kind": "network", "host": printer.host, "port": printer.port})
        r = kiosk("provision", "test", "printer", "--config", str(cfg))
        assert r.returncode == 0 and "PASS  printer: printed" in r.stdout, r.stdout + r.stderr
        assert printer.jobs
        printer.state = "out"
        r = kiosk("provision", "test", "printer", "--config", str(cfg))
        assert r.returncode == 1 and "FAIL  printer" in r.stdout and "paper" in r.stdout.lower()
    r = kiosk("provision", "test", "speech", "--config", str(cfg))
    # this machine has no sound card: a kiosk meant to speak aloud fails, and says why
    assert r.returncode == 1 and "FAIL  speech" in r.stdout and "NO audio output" in r.stdout, r.stdout + r.stderr
    spoken_to_file = device_config(tmp_path, printer={"kind": "network", "host": printer.host, "port": printer.port},
                                   speech={"mode": "file"})
    r = kiosk("provision", "test", "speech", "--config", str(spoken_to_file))
    assert r.returncode == 0 and "PASS  speech" in r.stdout, r.stdout + r.stderr
    r = kiosk("provision", "test", "disk", "--config", str(cfg))
    assert r.returncode == 0 and "GiB free" in r.stdout
    r = kiosk("provision", "test", "central", "--config", str(cfg))
    assert r.returncode == 1 and "no central configured" in r.stdout


def test_panel_self_test_through_a_pty(tmp_path):
    from devices.serial.ptys import SocatPair
    from devices.serial.simulator import PanelSimulator
    with SocatPair(tmp_path) as pair:
        cfg = device_config(tmp_path, counter={"panels": [{"name": "quay1", "port": str(pair.host),
                                                           "protocol": "ft12"}]})
        proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "provision", "test", "panel", "--config",
                                 str(cfg), "--presses", "2", "--timeout", "20"], stdout=subprocess.PIPE, text=True)
        ready = proc.stdout.readline()  # the command says when the port is open (or ends after --timeout)
        assert ready.startswith("quay1: ") and "press 2 button(s) now" in ready, ready
        with PanelSimulator(str(pair.dev), "ft12", addresses=(0x81,)) as sim:
            for key in (1, 3):
                sim.press(key)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, ready + out
    assert "PASS  panel: 2 press(es): addr 129 key 1, addr 129 key 3" in out


@pytest.mark.long
def test_pin_export_import_diagnostics_and_factory_reset(tmp_path, central):
    cfg = device_config(tmp_path)
    assert kiosk("provision", "enrol", "--config", str(cfg), "--central", central.url,
                 "--code", enrolment_code(central)).returncode == 0
    weak = kiosk("provision", "set-pin", "--config", str(cfg), "--pin-stdin", stdin="1111\n")
    assert weak.returncode == 1 and "too easy" in weak.stderr
    assert kiosk("provision", "set-pin", "--config", str(cfg), "--pin-stdin", stdin="2580\n").returncode == 0
    exported = tmp_path / "export.toml"
    assert kiosk("provision", "export", str(exported), "--config", str(cfg)).returncode == 0
    text = exported.read_text()
    token = json.loads((tmp_path / "data" / "enrolment.json").read_text())["token"]
    assert token not in text and "token" not in text
    installed = tmp_path / "etc" / "kiosk.toml"
    assert kiosk("provision", "import", str(exported), "--config", str(installed)).returncode == 0
    assert installed.read_text() == text
    broken = tmp_path / "broken.toml"
    broken.write_text(text.replace("idle_timeout_s", "idle_timout_s"))
    r = kiosk("provision", "import", str(broken), "--config", str(installed))
    assert r.returncode == 2 and "lobby.idle_timout_s" in r.stderr
    r = kiosk("provision", "diagnostics", "--config", str(cfg), "--out", str(tmp_path / "usb"), "--send")
    assert r.returncode == 0, r.stderr
    assert "bundle uploaded to the central" in r.stdout
    bundle = next((tmp_path / "usb").glob("*.zip"))
    from sqlalchemy import select

    from central.diagnostics import DiagnosticsBundle
    with central.db.transaction() as s:  # the zip itself reached the central, for its fleet page
        assert list(s.scalars(select(DiagnosticsBundle.content))) == [bundle.read_bytes()]
    with zipfile.ZipFile(bundle) as z:
        names = set(z.namelist())
        assert {"config.toml", "summary.json"} <= names
        assert token not in z.read("config.toml").decode() and token not in z.read("summary.json").decode()
    assert kiosk("provision", "reset", "--config", str(cfg)).returncode == 2  # needs --yes
    r = kiosk("provision", "reset", "--config", str(cfg), "--yes")
    assert r.returncode == 0, r.stderr
    data = tmp_path / "data"
    assert not any(data.rglob("*")), list(data.rglob("*"))
