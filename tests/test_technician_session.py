"""The technician mode's core (provisioning.session / assign) with real parts: a central on
loopback, SQLite, TOML files on disk, a pty for the scanner."""
from __future__ import annotations

import json
import os
import stat
import threading
import time
import tomllib
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from benchmarks.sync_support import enrolment_code, start_central
from kiosk.contract.config import SAMPLE_CONFIG, ConfigError, ScannerSettings, load_config
from kiosk.storage import open_database
from kiosk.storage.outbox import OutboxEvent
from kiosk.technician import PinRefused
from provisioning import selftest
from provisioning.assign import (Assignment, PanelChoice, assignment_of, default_panel_map, find_ca_files,
                                 find_usb_media, save_assignment)
from provisioning.session import EnrolFailed, TechnicianContext, TechnicianSession

COMMENT = "# printer chosen by the installer, do not remove this note"


@pytest.fixture(scope="module")
def central(tmp_path_factory):
    c = start_central(tmp_path_factory.mktemp("central"))
    yield c
    c.stop()


def write_config(tmp_path: Path) -> Path:
    """The sample centre file, comments and all, with the data folder in tmp."""
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    text = text.replace('data_dir = "data"', f'data_dir = "{tmp_path / "data"}"')
    text = text.replace('[printer]\nkind = "preview"', f'[printer]\n{COMMENT}\nkind = "preview"\nprofile = "TM-T88V"')
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def session(tmp_path) -> TechnicianSession:
    path = write_config(tmp_path)
    data = tmp_path / "data"
    ctx = TechnicianContext(config=load_config(path), config_path=path, data_dir=data,
                            db=open_database(data / "kiosk.db"))
    return TechnicianSession(ctx)


def audits(session: TechnicianSession) -> list[dict]:
    with session.ctx.db.transaction() as s:
        return [json.loads(e.payload) for e in s.scalars(select(OutboxEvent).where(OutboxEvent.type == "audit"))]


def actions(session: TechnicianSession) -> list[str]:
    return [a["action"] for a in audits(session)]


# -- PIN ------------------------------------------------------------------------------------------

def test_first_pin_on_a_new_device_then_set(session):
    assert session.pin_state() == "first"
    with pytest.raises(PinRefused) as err:
        session.set_first_pin("2580", "2581")
    assert err.value.reason == "mismatch" and str(err.value) == "the two PINs differ"
    with pytest.raises(PinRefused) as err:
        session.set_first_pin("1111", "1111")
    assert err.value.reason == "weak"
    assert session.pin_state() == "first" and not session.entered
    session.set_first_pin("2580", "2580")
    assert session.pin_state() == "set" and session.entered
    with pytest.raises(PinRefused) as err:  # a second "first" PIN would bypass the current one
        session.set_first_pin("3691", "3691")
    assert err.value.reason == "not_set"
    session.leave("timeout")
    with pytest.raises(PinRefused) as err:
        session.enter("9999")
    assert err.value.reason == "wrong" and not session.entered
    session.enter("2580")
    assert session.entered
    with pytest.raises(PinRefused) as err:
        session.change_pin("2580", "3691", "3692")
    assert err.value.reason == "mismatch"
    with pytest.raises(PinRefused):
        session.change_pin("1470", "3691", "3691")
    session.change_pin("2580", "3691", "3691")
    session.enter("3691")
    events = audits(session)
    assert [e["action"] for e in events] == [
        "technician.pin_changed", "technician.left", "technician.wrong_pin", "technician.entered",
        "technician.wrong_pin", "technician.entered", "technician.pin_changed",  # change_pin checks the PIN
        "technician.entered"]
    assert {e["actor"] for e in events} == {"screen"}
    assert events[1]["detail"] == {"why": "timeout"}


def test_an_enrolled_device_without_pin_needs_the_cli(session, central):
    session.enrol(central.url, enrolment_code(central, "counter"))
    assert session.enrolled() and session.pin_state() == "missing"
    with pytest.raises(PinRefused) as err:
        session.set_first_pin("2580", "2580")
    assert err.value.reason == "not_set" and "kiosk provision set-pin" in str(err.value)


# -- enrolment ------------------------------------------------------------------------------------

def test_enrol_saves_the_identity_and_audits(session, central):
    code = enrolment_code(central, "counter")
    enrolled = session.enrol(central.url + "/", code, name="quay-3")
    data = session.ctx.data_dir
    saved = data / "enrolment.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert json.loads(saved.read_text())["device_id"] == enrolled.device_id
    assert (data / "centre.json").exists()
    assert session.ctx.config.central.token == enrolled.token  # the running config has the identity
    assert session.ctx.config.device.role == "counter"
    enrolled_event = [a for a in audits(session) if a["action"] == "provision.enrolled"]
    assert enrolled_event == [{"action": "provision.enrolled", "actor": "screen", "counter": None,
                               "detail": {"central": central.url, "role": "counter"}}]
    with pytest.raises(EnrolFailed, match="refused") as err:
        session.enrol(central.url, code)  # the code is used now
    assert "used" in str(err.value) and err.value.reason == "already_used"


@pytest.mark.parametrize("url", ["not a url", "ftp://example.com", "https://", "javascript:alert(1)", ""])
def test_enrol_refuses_a_garbage_address(session, url):
    with pytest.raises(EnrolFailed, match="central address") as err:
        session.enrol(url, "ABCD-EFGH")
    assert err.value.reason == "bad_url"
    assert not (session.ctx.data_dir / "enrolment.json").exists()


def test_enrol_with_an_unreachable_central_or_a_missing_ca(session, tmp_path):
    with pytest.raises(EnrolFailed, match="central unreachable") as err:
        session.enrol("http://127.0.0.1:9", "ABCD-EFGH")
    assert err.value.reason == "unreachable"
    with pytest.raises(EnrolFailed, match="CA certificate file not found"):
        session.enrol("https://127.0.0.1:9", "ABCD-EFGH", ca_file=str(tmp_path / "nope.pem"))
    assert "provision.enrolled" not in actions(session)


def test_parse_scanned_qr(session, central):
    r = requests.post(f"{central.url}/api/v1/admin/enrolment-codes", json={"role": "lobby"},
                      headers=central.admin_headers, timeout=10).json()
    url, code = session.parse_scanned(r["qr_payload"])
    assert url == central.url and code == r["code"]
    hostile = ["https://evil.example/?x=1", "", "{}", "[1]", '{"v": 2, "central": "https://a", "code": "x"}',
               json.dumps({"v": 1, "central": "file:///etc/passwd", "code": "x"}),
               json.dumps({"v": 1, "central": "javascript:alert(1)", "code": "x"}),
               json.dumps({"v": 1, "central": "https://a.example", "code": "   "}),
               json.dumps({"v": 1, "central": "https://a.example", "code": "x" * 2000}),
               b"\xff\xfe{garbage", "\x00\x1b[2J"]
    for payload in hostile:
        with pytest.raises(EnrolFailed, match="enrolment QR not usable") as err:
            session.parse_scanned(payload)
        assert err.value.reason == "bad_qr"


# -- device assignment ----------------------------------------------------------------------------

def serial_assignment() -> Assignment:
    callers, evaluators = default_panel_map("ft12", [1, 2])
    return Assignment(
        printer_kind="serial", printer_device="/dev/serial/by-id/usb-printer", printer_baudrate=19200,
        scanner_kind="serial", scanner_port="/dev/ttyACM0",
        panels=[PanelChoice("bus", "/dev/ttyUSB0", evaluators=evaluators, callers=callers),
                PanelChoice("keypad3", "/dev/ttyUSB1", protocol="ascii", kind="caller", counter=3)],
        counters=[1, 2, 3], rating_keys={1: "unsatisfied", 2: "satisfied", 3: "very_satisfied"})


def test_save_assignment_keeps_comments_and_other_keys(session):
    path = session.ctx.config_path
    before = path.read_bytes()
    assert session.assignment() == Assignment("preview", None, 115200, "none", None, [], [], {})
    config = session.save_assignment(serial_assignment())
    text = path.read_text(encoding="utf-8")
    assert COMMENT in text and "# In each cycle: 1 priority ticket first" in text
    assert (path.with_name("kiosk.toml.bak")).read_bytes() == before
    old, new = tomllib.loads(before.decode()), tomllib.loads(text)
    for section in old:
        if section not in ("printer", "counter", "scanner"):
            assert new[section] == old[section], section
    assert new["printer"] == {"kind": "serial", "profile": "TM-T88V", "device": "/dev/serial/by-id/usb-printer",
                              "baudrate": 19200}
    assert new["counter"]["panels"][0]["evaluators"] == {"129": 1, "130": 2}
    assert new["counter"]["rating"]["keys"] == {"1": "unsatisfied", "2": "satisfied", "3": "very_satisfied"}
    assert "counter" not in new["counter"]["panels"][0] and "evaluators" not in new["counter"]["panels"][1]
    # the running config and a fresh load agree, and read back as the same assignment
    assert assignment_of(load_config(path)) == assignment_of(config) == serial_assignment()
    assert session.ctx.config is config and config.printer.kind == "serial"
    event = [a for a in audits(session) if a["action"] == "technician.config_changed"]
    assert event[0]["detail"]["keys"] == ["printer.kind", "printer.device", "printer.baudrate", "scanner.kind",
                                          "scanner.port", "counter.counters", "counter.panels",
                                          "counter.rating.keys"]
    # back to no device: the keys go away again, only what changed is reported
    back = serial_assignment()
    back.printer_kind, back.printer_device, back.rating_keys = "preview", None, {}
    _, changed = save_assignment(path, back)
    assert changed == ["printer.kind", "printer.device", "counter.rating.keys"]
    new = tomllib.loads(path.read_text(encoding="utf-8"))
    assert "device" not in new["printer"] and "keys" not in new["counter"]["rating"]
    # nothing changed: nothing written
    mtime = path.stat().st_mtime_ns
    assert save_assignment(path, back)[1] == [] and path.stat().st_mtime_ns == mtime


def test_save_assignment_keeps_the_identity_in_the_running_config(session, central):
    enrolled = session.enrol(central.url, enrolment_code(central, "counter"))
    config = session.save_assignment(serial_assignment())
    assert config.device.id == enrolled.device_id and config.central.token == enrolled.token
    assert enrolled.token not in session.ctx.config_path.read_text(encoding="utf-8")


@pytest.mark.parametrize("breakage", ["ascii_without_counter", "serial_printer_without_device",
                                      "scanner_without_port", "bad_rating_level"])
def test_an_invalid_assignment_leaves_the_file_untouched(session, breakage):
    path = session.ctx.config_path
    before = path.read_bytes()
    a = serial_assignment()
    if breakage == "ascii_without_counter":
        a.panels[1].counter = None
    elif breakage == "serial_printer_without_device":
        a.printer_device = None
    elif breakage == "scanner_without_port":
        a.scanner_port = None
    else:
        a.rating_keys = {1: "furious"}
    with pytest.raises(ConfigError) as err:
        session.save_assignment(a)
    assert str(path) in str(err.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith((".kiosk.toml", "kiosk.toml"))) == ["kiosk.toml"]
    assert "technician.config_changed" not in actions(session)


def test_save_assignment_to_a_missing_file_names_it(tmp_path):
    with pytest.raises(ConfigError, match=str(tmp_path / "missing.toml")):
        save_assignment(tmp_path / "missing.toml", serial_assignment())


def test_default_panel_map():
    assert default_panel_map("ft12", [2, 1]) == ({1: 1, 2: 2}, {0x81: 1, 0x82: 2})  # (callers, evaluators)
    assert default_panel_map("modbus", [5]) == ({5: 5}, {0x85: 5})
    assert default_panel_map("ft12", [200]) == ({}, {})  # no conventional address above 0x7F
    assert default_panel_map("ascii", [1, 2]) == ({}, {})


# -- files on USB sticks ----------------------------------------------------------------------------

def test_find_usb_media_and_ca_files(tmp_path):
    from tests.test_provisioning import _self_signed
    media = tmp_path / "media"
    stick = media / "tech" / "KINGSTON"
    (stick / "certs").mkdir(parents=True)
    (media / "usb0").mkdir()
    (media / ".hidden").mkdir()
    (stick / ".Trash-0").mkdir()
    (media / "file.txt").write_text("not a folder")
    assert find_usb_media([media]) == [stick, media / "usb0"]  # not media/tech: it holds the stick
    assert find_usb_media([tmp_path / "nothing-here"]) == []

    cert, key = _self_signed(stick, "central-ca")
    (stick / "central-ca.crt").write_bytes(cert.read_bytes())
    (stick / "key-as.pem").write_bytes(key.read_bytes())          # a key named like a cert: not offered
    (stick / "readme.pem").write_text("hello")
    (stick / "certs" / "deep.pem").write_bytes(cert.read_bytes())  # one level only
    assert find_ca_files([stick, tmp_path / "nothing-here"]) == [stick / "central-ca.crt", stick / "central-ca.pem"]
    for i in range(25):
        (media / "usb0" / f"ca{i:02}.pem").write_bytes(cert.read_bytes())
    many = find_ca_files([media / "usb0"])
    assert len(many) == 20 and many == sorted(many)


# -- self-tests -----------------------------------------------------------------------------------

def test_run_check_disk_is_audited(session):
    result = session.run_check("disk")
    assert result.ok and "GiB free" in result.detail
    event = audits(session)[-1]
    assert event["action"] == "technician.selftest" and event["actor"] == "screen"
    assert event["detail"]["results"] == {"disk": True}


def test_run_check_never_raises(session):
    central = session.run_check("central")
    assert not central.ok and "no central configured" in central.detail
    unknown = session.run_check("toaster")
    assert not unknown.ok and "unknown check" in unknown.detail
    crashed = session.run_check("disk", nonsense=True)  # the check itself raises TypeError
    assert not crashed.ok and crashed.detail.startswith("error: TypeError:")
    session.record_check(selftest.CheckResult("panel", True, "2 press(es)"))
    assert [a["detail"]["results"] for a in audits(session)] == [
        {"central": False}, {"toaster": False}, {"disk": False}, {"panel": True}]


def test_printer_check_reuses_the_apps_printer_without_closing_it(session):
    from devices.factory import build_printer
    from devices.printer.simulator import PrinterSimulator
    with PrinterSimulator(state="ok") as sim:
        session.ctx.config = session.ctx.config.model_copy(update={"printer": session.ctx.config.printer.model_copy(
            update={"kind": "network", "host": sim.host, "port": sim.port})})
        printer = build_printer(session.ctx.config, session.ctx.data_dir, lambda report: None)
        session.ctx.printer = printer
        try:
            assert session.run_check("printer").ok
            assert session.run_check("printer").ok  # still open: the app keeps printing with it
            assert sim.wait_for(lambda s: len(s.jobs) == 2, 10)
        finally:
            printer.close()


def test_scanner_check_over_a_pty(config, pty):
    from devices.scanner.simulator import ScannerSimulator
    master, path = pty
    cfg = config.model_copy(update={"scanner": ScannerSettings(kind="serial", port=path, timeout_s=0.3)})
    out: list[selftest.CheckResult] = []
    worker = threading.Thread(target=lambda: out.append(selftest.check_scanner(cfg, timeout=10)))
    worker.start()
    sim = ScannerSimulator(master)
    deadline = time.monotonic() + 10
    while worker.is_alive() and time.monotonic() < deadline:  # until the port is open and reads it
        sim.scan("000.00.12.H12-261110-0001")
        worker.join(0.3)
    worker.join(5)
    assert out and out[0].ok, out
    assert out[0].detail == "read a code of 25 characters" and "H12" not in out[0].line()


def test_scanner_check_without_scanner_or_port(config, tmp_path):
    none = selftest.check_scanner(config, timeout=0.1)
    assert not none.ok and "no scanner configured" in none.detail
    missing = config.model_copy(update={"scanner": ScannerSettings(kind="serial", port=str(tmp_path / "ttyNONE"))})
    result = selftest.check_scanner(missing, timeout=0.5)
    assert not result.ok and "port not opened" in result.detail


# -- diagnostics and reset ------------------------------------------------------------------------

def test_diagnostics_saved_sent_and_reset_audited(session, tmp_path):
    stick = tmp_path / "media" / "STICK"
    stick.mkdir(parents=True)
    path = session.save_diagnostics(stick)
    assert path.parent == stick and path.suffix == ".zip"
    summary = session.send_diagnostics()
    assert "versions" in summary and "status" in summary
    session.reset_requested()
    assert actions(session)[-3:] == ["technician.diagnostics_saved", "provision.diagnostics",
                                     "technician.factory_reset"]
    assert os.listdir(stick) == [path.name]
