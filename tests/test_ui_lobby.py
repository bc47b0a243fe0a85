"""The lobby UI, end to end: each scenario drives the real Kivy app headless in a fresh process
(`python -m screens.cli demo --headless --scenario NAME`) with simulated touches, and we check
what it left behind: screenshots, the printed ticket, scenario.json and the database."""
from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageStat

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.ui

HEADLESS_ENV = {
    "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1", "SDL_VIDEODRIVER": "offscreen", "SDL_AUDIODRIVER": "dummy",
    "KIVY_HOME": str(ROOT / ".kivy-home"),
}


class Run:
    def __init__(self, out: Path, proc: subprocess.CompletedProcess, seconds: float) -> None:
        self.out = out
        self.proc = proc
        self.seconds = seconds
        summary = out / "scenario.json"
        self.summary = json.loads(summary.read_text(encoding="utf-8")) if summary.exists() else {}

    def explain(self) -> str:
        return (f"exit {self.proc.returncode} after {self.seconds:.1f} s\nsummary: "
                f"{json.dumps(self.summary, ensure_ascii=False, indent=1)[:3000]}\n"
                f"stdout: {self.proc.stdout[-2000:]}\nstderr: {self.proc.stderr[-3000:]}")

    def db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.out / "data" / "kiosk.db")

    def screenshots(self) -> list[str]:
        return [step["file"] for step in self.summary.get("steps", []) if step.get("file", "").endswith(".png")
                and step["step"].startswith("screenshot")]


def run_scenario(name: str, out: Path, *extra: str) -> Run:
    env = {**os.environ, **HEADLESS_ENV}
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "screens.cli", "demo", "--headless", "--scenario", name,
                           "--out", str(out), *extra],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    return Run(out, proc, time.monotonic() - started)


def assert_not_blank(path: Path) -> None:
    image = Image.open(path).convert("RGB")
    assert image.size[0] >= 500 and image.size[1] >= 500, f"{path.name}: {image.size}"
    stats = ImageStat.Stat(image.convert("L"))
    assert stats.stddev[0] > 20, f"{path.name} looks blank (stddev {stats.stddev[0]:.1f})"
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is None or len(colours) > 50, f"{path.name} has only {len(colours)} colours"


def qr_payloads(path: Path) -> list[str]:
    return [b.text for b in zxingcpp.read_barcodes(Image.open(path).convert("L"))
            if b.format == zxingcpp.BarcodeFormat.QRCode]


@pytest.fixture(scope="module")
def ticket_run(tmp_path_factory) -> Run:
    return run_scenario("lobby-ticket", tmp_path_factory.mktemp("lobby-ticket"))


@pytest.fixture(scope="module")
def closed_run(tmp_path_factory) -> Run:
    return run_scenario("lobby-closed", tmp_path_factory.mktemp("lobby-closed"))


@pytest.fixture(scope="module")
def printfail_run(tmp_path_factory) -> Run:
    # Landscape, to cover the second layout the kiosks are installed in.
    return run_scenario("lobby-printfail", tmp_path_factory.mktemp("lobby-printfail"), "--size", "1920x1080")


def test_lobby_ticket_scenario_passes_and_saves_every_screen(ticket_run: Run):
    run = ticket_run
    assert run.proc.returncode == 0 and run.summary.get("ok"), run.explain()
    shots = run.screenshots()
    assert shots == ["01-attract.png", "02-attract-en.png", "03-services.png", "04-services-page2.png",
                     "05-priority.png", "06-ticket.png", "07-attract-after-timeout.png"], run.explain()
    for name in shots:
        assert_not_blank(run.out / name)
    assert Image.open(run.out / "01-attract.png").size == (1080, 1920)


def test_lobby_ticket_prints_a_ticket_whose_qr_decodes(ticket_run: Run):
    run = ticket_run
    assert run.summary.get("ok"), run.explain()
    ticket = run.summary["ticket"]
    assert re.fullmatch(r"A\d{3}", ticket["number"]), ticket
    assert ticket["priority_group"] == "elderly" and ticket["print_state"] == "printed"
    printed = run.out / "ticket.png"
    assert printed.exists(), run.explain()
    payloads = qr_payloads(printed)
    # enrolled with a central: the QR is the ticket's page on it (kiosk.contract.ticket_page), made by the kiosk
    assert payloads and re.fullmatch(r"https?://[^/]+/t/[A-Za-z0-9_-]{35}", payloads[0]), payloads
    assert payloads[0] == ticket["qr_payload"]
    # The QR on the screen is the same one (a citizen can photograph it if the printer fails).
    assert qr_payloads(run.out / "06-ticket.png") == [ticket["qr_payload"]]


def test_double_tap_on_priority_issues_exactly_one_ticket(ticket_run: Run):
    run = ticket_run
    assert run.summary.get("ok"), run.explain()
    with run.db() as db:
        rows = db.execute("select display_number, priority_group, print_state from ticket").fetchall()
    assert rows == [(run.summary["ticket"]["number"], "elderly", "printed")]
    assert run.summary["tickets_in_db"] == 1 and run.summary["ticket"]["repeated"] is False


def test_lobby_returns_to_attract_by_itself_and_reports_startup_time(ticket_run: Run):
    run = ticket_run
    assert run.summary.get("ok"), run.explain()
    assert run.summary["steps"][-1]["screen"] == "attract"
    timings = run.summary["timings"]
    assert 0 < timings["process_start_to_first_frame_s"] < 15
    # The ticket screen stays ticket_screen_s (15 s in this scenario) from the print outcome, then
    # asks "more time?" for more_time_s (3 s). The driver sees the screen and the outcome up to a
    # few frames late (more under load), so the bound only asserts that the ticket did not vanish
    # at once and did not linger.
    assert 12.0 < timings["t_back_to_attract_s"] - timings["t_ticket_screen_s"] < 35
    assert run.summary["clock_start_local"].endswith("+07:00")


@pytest.mark.long
def test_closed_service_explains_itself_and_a_refusal_shows_the_message_screen(closed_run: Run):
    run = closed_run
    assert run.proc.returncode == 0 and run.summary.get("ok"), run.explain()
    for name in run.screenshots():
        assert_not_blank(run.out / name)
    # Greyed, not hidden, each with its reason.
    assert run.summary["closed_tiles"] == {"CT": "Hết số hôm nay", "TC": "Hôm nay đã hết giờ nhận số"}
    closed = run.summary["closed_message"]
    assert closed["kind"] == "closed" and closed["reason"] == "closed_today"
    assert closed["title"] == "Tài chính - Thuế" and "07:30 - 11:00" in closed["detail"]
    refusal = run.summary["refusal"]
    assert refusal["kind"] == "refused" and refusal["reason"] == "rate_limited"
    assert refusal["message"].startswith("Vừa có nhiều số được lấy")
    assert run.summary["tickets_in_db"] == 1  # the closed and the refused taps issued nothing
    assert run.summary["steps"][-1]["step"] == "back to attract by the idle timeout"


@pytest.mark.long
def test_print_failure_keeps_the_number_and_qr_on_screen_longer(printfail_run: Run):
    run = printfail_run
    assert run.proc.returncode == 0 and run.summary.get("ok"), run.explain()
    ticket = run.summary["ticket"]
    assert ticket["print_state"] == "failed" and ticket["screen_stays_s"] >= 60
    shot = run.out / "01-ticket-print-failed.png"
    assert Image.open(shot).size == (1920, 1080)
    assert_not_blank(shot)
    assert qr_payloads(shot) == [ticket["qr_payload"]]
    with run.db() as db:
        assert db.execute("select print_state from ticket").fetchall() == [("failed",)]


@pytest.mark.long
def test_offline_kiosk_shows_it_and_still_issues_from_its_fallback_block(tmp_path):
    run = run_scenario("lobby-offline", tmp_path / "offline")
    assert run.proc.returncode == 0 and run.summary.get("ok"), run.explain()
    assert run.summary["online"] is False
    # device 1 owns the top block of a 3-digit service: A980-A999
    assert run.summary["ticket"]["number"] == "A980"
    assert_not_blank(run.out / "01-attract-offline.png")
    with run.db() as db:
        assert db.execute("select source from number_lease").fetchall() == [("fallback",)]


# -- accessibility (issue 15): the audit over every lobby scenario, the spoken WAVs, the access keys --

@pytest.fixture(scope="module")
def access_run(tmp_path_factory) -> Run:
    return run_scenario("lobby-access", tmp_path_factory.mktemp("lobby-access"))


@pytest.fixture(scope="module")
def printfail_run_a11y(tmp_path_factory) -> Run:
    return run_scenario("lobby-printfail", tmp_path_factory.mktemp("lobby-printfail-a11y"))


def soxi_seconds(wav: Path) -> float:
    return float(subprocess.run(["soxi", "-D", str(wav)], capture_output=True, text=True, check=True,
                                timeout=10).stdout)


# The scenarios other than the ticket one run in CI and with KIOSK_LONG_TESTS=1 (marker `long`).
LONG = pytest.mark.long


@pytest.mark.parametrize("which", ["ticket_run", pytest.param("closed_run", marks=LONG),
                                   pytest.param("access_run", marks=LONG),
                                   pytest.param("printfail_run_a11y", marks=LONG)])
def test_every_lobby_screen_passes_the_accessibility_audit(which: str, request: pytest.FixtureRequest):
    """Citizen text >= 42 px at 1080x1920, targets >= 15 mm on the configured 32-inch screen,
    contrast >= 4.5:1 from the widget colours, a spoken prompt on every screen (screens/lobby/audit.py)."""
    run: Run = request.getfixturevalue(which)
    assert run.summary.get("ok"), run.explain()
    audits = run.summary["accessibility"]
    assert set(audits) == {s.split(" ", 1)[1] for s in (st["step"] for st in run.summary["steps"])
                           if s.startswith("screenshot ")}
    problems = {name: a["problems"] for name, a in audits.items() if a["problems"]}
    assert problems == {}, json.dumps(problems, ensure_ascii=False, indent=1)
    assert all(a["prompt"] for a in audits.values())


@pytest.mark.skipif(subprocess.run(["which", "soxi"], capture_output=True).returncode != 0, reason="needs sox")
@pytest.mark.parametrize("which", ["ticket_run", pytest.param("access_run", marks=LONG)])
def test_every_utterance_is_saved_as_a_wav_of_a_sensible_length(which: str, request: pytest.FixtureRequest):
    run: Run = request.getfixturevalue(which)
    wavs = sorted((run.out / "speech").glob("*.wav"))
    assert len(wavs) == len(run.summary["speech_files"]) and len(wavs) >= len(run.summary["spoken"]) >= 2
    for wav in wavs:  # a prompt is a sentence or three: never silence, never a runaway
        assert 0.8 < soxi_seconds(wav) < 30, wav.name


@pytest.mark.long
def test_voice_mode_reads_first_and_chooses_on_the_second_touch(access_run: Run):
    s = access_run.summary
    assert s.get("ok"), access_run.explain()
    assert s["voice_first_touch_screen"] == "attract" and s["voice_first_tile_screen"] == "services"
    assert s["voice_tile_words"].startswith("Tư pháp - Hộ tịch. Khai sinh, kết hôn, chứng thực.")
    assert s["repeated"].startswith("Tư pháp - Hộ tịch. Ông/Bà có thuộc đối tượng ưu tiên")  # "Nghe lại"
    assert s["help"] == {"kind": "help", "title": "Cán bộ đang đến hỗ trợ"}
    assert [json.loads(row[0]) for row in s["help_events"]] == [{"screen": "priority", "counter": None}]
    assert s["stayed_on"] == "message"  # "Có, tôi cần thêm thời gian" kept the screen
    assert s["timings"]["t_home_s"] > s["timings"]["t_asked_s"]
