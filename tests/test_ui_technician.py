"""The on-screen technician mode, end to end: the real lobby app headless in a fresh process,
driven by screens/scenarios/technician.py, against a real central on loopback, a serial
scanner on a pty pair, a real SQLite database and a folder standing for a USB stick."""
from __future__ import annotations

import zipfile

import pytest

from tests.test_ui_lobby import Run, assert_not_blank, run_scenario

pytestmark = [pytest.mark.ui, pytest.mark.long]


@pytest.fixture(scope="module")
def setup_run(tmp_path_factory) -> Run:
    return run_scenario("technician-setup", tmp_path_factory.mktemp("technician-setup"))


@pytest.fixture(scope="module")
def lockout_run(tmp_path_factory) -> Run:
    return run_scenario("technician-lockout", tmp_path_factory.mktemp("technician-lockout"))


def test_setup_scenario_passes_and_every_screen_is_drawn(setup_run: Run):
    assert setup_run.proc.returncode == 0 and setup_run.summary.get("ok"), setup_run.explain()
    shots = setup_run.screenshots()
    for name in ("tech-pin-choose", "tech-menu", "tech-enrol-refused", "tech-enrolled", "tech-devices",
                 "tech-tests", "tech-diagnostics", "tech-reset-confirm"):
        assert any(name in s for s in shots), (name, shots)
    for shot in shots:
        assert_not_blank(setup_run.out / shot)


def test_a_corner_tap_is_a_citizens_tap_and_only_a_held_corner_opens_the_pin_pad(setup_run: Run):
    s = setup_run.summary
    assert s["corner_tap_opens"] == "services", setup_run.explain()
    assert s["held_s"] >= 3.0
    assert s["first_pin_stage"] == "choose"  # fresh from the box: not enrolled, no PIN yet
    assert "quá dễ đoán" in s["weak_pin_message"]  # 1111 refused, in Vietnamese
    assert s["menu_before"]["Hệ thống trung tâm"] == "Chưa đăng ký"


def test_enrolment_refuses_a_used_code_then_works_from_the_scanned_qr(setup_run: Run):
    s = setup_run.summary
    assert s["enrol_refused"]["message"] == "Mã đăng ký này đã được dùng: đề nghị cấp mã mới.", setup_run.explain()
    assert s["enrol_refused"]["code"] == s["enrol_refused"]["code"].upper()  # typed in lower case, shown in capitals
    enrolled = s["enrolled"]
    assert enrolled["done"] and enrolled["file"] and enrolled["file_mode"] == "0o600", enrolled
    assert "Đã đăng ký" in enrolled["result"]
    assert s["menu_after"]["Hệ thống trung tâm"].startswith("http://127.0.0.1:")


def test_device_assignment_is_written_to_the_config_file(setup_run: Run):
    saved = setup_run.summary["devices_saved"]
    assert saved["ok"] and saved["printer_kind_in_file"] == "none", saved


def test_self_tests_pass_on_screen_including_a_code_scanned_on_the_pty(setup_run: Run):
    tests = setup_run.summary["tests"]
    assert set(tests) == {"printer", "scanner", "speech", "central", "disk", "clock"}
    assert all(t["state"] == "pass" for t in tests.values()), tests
    assert "14" in tests["scanner"]["detail"]           # the length only, never the code
    assert "authorised" in tests["central"]["detail"]   # with the identity enrolled a moment before


def test_diagnostics_bundle_lands_on_the_usb_stick_without_secrets(setup_run: Run):
    diag = setup_run.summary["diagnostics"]
    assert [t.rsplit("/", 1)[-1] for t in diag["targets"]] == ["KINGSTON"]
    assert len(diag["files"]) == 1 and diag["files"][0].endswith(".zip"), diag
    assert "sẽ gửi" in diag["sent"]


def test_every_step_is_audited_and_the_factory_reset_leaves_nothing(setup_run: Run):
    s = setup_run.summary
    audit = s["audit"]
    for action in ("technician.pin_changed", "provision.enrolled", "technician.config_changed",
                   "technician.selftest", "technician.diagnostics_saved", "provision.diagnostics", "technician.left"):
        assert action in audit, audit
    assert s["audit_final"] == ["technician.entered", "technician.factory_reset"]
    data = setup_run.out / "data"
    assert data.is_dir() and list(data.iterdir()) == []  # identity, PIN, database, config copy: all gone


def test_three_wrong_pins_lock_the_mode_and_the_pad(lockout_run: Run):
    assert lockout_run.proc.returncode == 0 and lockout_run.summary.get("ok"), lockout_run.explain()
    s = lockout_run.summary
    assert s["wrong_pin_messages"][:2] == ["Sai mã PIN. Vui lòng thử lại."] * 2
    assert "bị khóa đến 09:00:" in s["wrong_pin_messages"][2]  # the scenario's clock starts at 09:00
    assert s["stage_after"] == "locked" and s["pad_disabled"] and s["typed_while_locked"] == ""
    assert s["audit"] == ["technician.pin_changed", "technician.wrong_pin", "technician.wrong_pin",
                          "technician.wrong_pin", "technician.locked"]
    for shot in lockout_run.screenshots():
        assert_not_blank(lockout_run.out / shot)


def test_diagnostics_zip_holds_no_token(tmp_path):
    """The bundle the screen writes is provisioning.bundle's: check it has no token in it."""
    from kiosk.contract.config import SAMPLE_CONFIG, load_config
    from kiosk.sync.enrolment import Enrolment, apply
    from provisioning.bundle import write_bundle
    config = apply(load_config(SAMPLE_CONFIG), Enrolment("http://127.0.0.1:1", "dev-1", "SECRET-TOKEN-123", "lobby",
                                                         "000.00.12.H12", 1))
    (tmp_path / "data").mkdir()
    path, _ = write_bundle(config, tmp_path / "data", tmp_path)
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            assert b"SECRET-TOKEN-123" not in z.read(name), name


@pytest.fixture(scope="module")
def counter_run(tmp_path_factory) -> Run:
    return run_scenario("counter-technician", tmp_path_factory.mktemp("counter-technician"))


def test_counter_panel_map_is_shown_and_the_panel_test_never_records_a_rating(counter_run: Run):
    assert counter_run.proc.returncode == 0 and counter_run.summary.get("ok"), counter_run.explain()
    s = counter_run.summary
    # the public ft12 convention for counter 1: caller at address 1, evaluator at 0x81 = 129
    assert s["panels"] == [{"port": s["panels"][0]["port"], "protocol": "ft12", "mapping": "gọi số 1→1  đánh giá 129→1"}]
    assert s["rating_text"].startswith("phím 1 → Rất hài lòng")
    assert s["panel_test"]["state"] == "pass"
    assert s["panel_test"]["detail"] == "địa chỉ 129 phím 1, địa chỉ 129 phím 2, địa chỉ 129 phím 3"
    assert s["ratings_recorded"] == 0  # three presses while a technician tests: no rating
    assert s["audit"] == ["technician.pin_changed", "technician.entered", "technician.selftest", "technician.left"]
    for shot in counter_run.screenshots():
        assert_not_blank(counter_run.out / shot)


def test_hall_display_opens_technician_mode_from_a_keyboard_and_returns_to_the_calls(tmp_path):
    run = run_scenario("display-technician", tmp_path)
    assert run.proc.returncode == 0 and run.summary.get("ok"), run.explain()
    s = run.summary
    assert s["opened_by"] == "keys"
    assert s["tests"] == {"speech": "pass", "central": "pass", "disk": "pass", "clock": "pass"}
    assert s["audit"][-1] == "technician.left" and "technician.entered" in s["audit"]


def test_a_restart_asked_by_the_technician_runs_the_same_command_again(tmp_path):
    """RESTART_EXIT from an app: screens.cli starts the same command again, in the same process."""
    import os
    import subprocess
    import sys

    from tests.test_ui_lobby import ROOT
    script = tmp_path / "app.py"
    script.write_text(
        "import os, sys\n"
        "from screens.cli import restart_if_asked\n"
        "n = int(os.environ.get('KIOSK_TEST_RUN', '0'))\n"
        "print('run', n, os.getpid(), sys.argv[1:], flush=True)\n"
        "os.environ['KIOSK_TEST_RUN'] = str(n + 1)\n"
        "sys.exit(restart_if_asked(75 if n == 0 else 0))\n")
    proc = subprocess.run([sys.executable, str(script), "run", "--config", "x.toml"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    lines = [line.split() for line in proc.stdout.splitlines()]
    assert proc.returncode == 0, proc.stderr
    assert [line[:2] for line in lines] == [["run", "0"], ["run", "1"]]
    assert lines[0][2] == lines[1][2]                      # same process: systemd keeps watching it
    assert lines[1][3:] == ["['run',", "'--config',", "'x.toml']"]
