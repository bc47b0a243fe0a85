"""The lobby's phone number step (issue 13, docs/notify.md), end to end in the real Kivy app: the
scenario lobby-phone runs the kiosk on the demo's central with a Zalo gateway simulator."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_ui_lobby import Run, assert_not_blank, run_scenario

pytestmark = [pytest.mark.ui, pytest.mark.long]
PHONE = "0389123456"  # not in the sample dossiers (whose applicants have numbers)


@pytest.fixture(scope="module")
def phone_run(tmp_path_factory) -> Run:
    return run_scenario("lobby-phone", tmp_path_factory.mktemp("lobby-phone"))


def test_the_question_the_pad_and_the_masked_confirmation(phone_run: Run) -> None:
    s = phone_run.summary
    assert s.get("ok"), phone_run.explain()
    assert phone_run.screenshots() == ["01-phone-ask.png", "02-phone-wrong.png", "03-phone-entry.png",
                                       "04-phone-ticket.png"]
    for name in phone_run.screenshots():
        assert_not_blank(phone_run.out / name)
    assert s["double_tap_stayed_on"] == "phone_ask"  # the double tap's second touch chose nothing
    assert s["ask_prompt"].startswith("Nhận tin nhắn khi sắp đến lượt?") and "Zalo" in s["ask_prompt"]
    assert s["wrong_number"].startswith("Đây không phải số di động.")
    assert s["typed_shows"] == "0389 123 456"  # grouped while typed
    assert "Tin nhắn Zalo sẽ được gửi đến số 03******56." in "\n".join(s["ticket_texts"])
    assert s["screens_with_full_number"] == []


def test_voice_mode_and_the_unanswered_question_print_without_a_number(phone_run: Run) -> None:
    s = phone_run.summary
    assert s.get("ok"), phone_run.explain()
    assert s["voice_no_key"] == "Không, in phiếu" and s["voice_stayed_on"] == "phone_ask"
    assert s["timings"]["t_ticket_by_timeout_s"] > s["timings"]["t_question_left_s"]
    assert "09******" not in "\n".join(s["timeout_ticket_texts"])
    assert s["tickets_in_db"] == 2
    payloads = [json.loads(p) for p in s["issued_payloads"]]
    assert [p["service_code"] for p in payloads] == ["TPHT", "DD"]
    assert all("phone" not in p for p in payloads)  # synced: the kiosk no longer keeps the number


def test_every_phone_screen_passes_the_accessibility_audit(phone_run: Run) -> None:
    audits = phone_run.summary["accessibility"]
    assert set(audits) == {"phone-ask", "phone-wrong", "phone-entry", "phone-ticket"}
    problems = {name: a["problems"] for name, a in audits.items() if a["problems"]}
    assert problems == {}, json.dumps(problems, ensure_ascii=False, indent=1)
    assert all(a["prompt"] for a in audits.values())


def test_the_number_is_in_no_log_and_no_file_left_behind(phone_run: Run) -> None:
    """Not in the process's output, not in the kiosk's or the central's database files (day-end
    purge at the central, forgotten once synced at the kiosk, secure_delete zeroes the pages)."""
    assert phone_run.summary.get("ok"), phone_run.explain()
    assert PHONE not in phone_run.proc.stdout + phone_run.proc.stderr
    data = phone_run.out / "data"
    holding = [str(p.relative_to(data)) for p in Path(data).rglob("*") if p.is_file()
               and PHONE.encode() in p.read_bytes()]
    assert holding == []
