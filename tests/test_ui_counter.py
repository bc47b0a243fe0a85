"""The counter terminal and the hall display, end to end: each scenario drives the real Kivy app
headless in a fresh process (`python -m screens.cli demo --headless --scenario NAME`, embedded
central), and we check what it left behind: screenshots, scenario.json, the kiosk database and
the announcement WAV. Plus the display's call detection on its own (no Kivy)."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from PIL import Image

from tests.test_ui_lobby import Run, assert_not_blank, run_scenario

ui = pytest.mark.ui


@pytest.fixture(scope="module")
def counter_run(tmp_path_factory) -> Run:
    return run_scenario("counter-rating", tmp_path_factory.mktemp("counter-rating"))


@pytest.fixture(scope="module")
def signin_run(tmp_path_factory) -> Run:
    return run_scenario("counter-signin", tmp_path_factory.mktemp("counter-signin"))


@pytest.fixture(scope="module")
def dossier_run(tmp_path_factory) -> Run:
    return run_scenario("counter-dossier", tmp_path_factory.mktemp("counter-dossier"))


@pytest.fixture(scope="module")
def terminal_run(tmp_path_factory) -> Run:
    return run_scenario("rating-terminal", tmp_path_factory.mktemp("rating-terminal"))


@pytest.fixture(scope="module")
def display_run(tmp_path_factory) -> Run:
    return run_scenario("display-calls", tmp_path_factory.mktemp("display-calls"))


# -- counter ---------------------------------------------------------------------------------
@ui
def test_counter_rating_scenario_passes_and_saves_every_view(counter_run: Run):
    run = counter_run
    assert run.proc.returncode == 0 and run.summary.get("ok"), run.explain()
    shots = run.screenshots()
    assert shots == ["01-counter-idle.png", "02-counter-keypad.png", "03-counter-serving.png",
                     "04-counter-transfer.png", "05-counter-rating.png", "06-counter-reason.png",
                     "07-counter-thanks.png", "08-counter-reason-panel.png", "09-counter-thanks-panel.png"], run.explain()
    for name in shots:
        assert_not_blank(run.out / name)
    assert Image.open(run.out / "05-counter-rating.png").size == (1920, 1080)
    assert run.summary["served"] == ["A001", "A002"]  # the demo central's waiting tickets, in order


@ui
def test_touch_not_satisfied_with_a_reason_is_stored_with_its_outbox_event(counter_run: Run):
    run = counter_run
    assert run.summary.get("ok"), run.explain()
    assert run.summary["touch_rating"] == [["unsatisfied", "long_wait", "touch", 3, 1]]
    assert run.summary["reason_seconds_shown"] == 30
    with run.db() as db:
        rows = db.execute("select ticket_id, level, reason, device from rating where device = 'touch'").fetchall()
        events = [json.loads(p) for (p,) in db.execute(
            "select payload from outbox where type = 'rating.recorded' order by seq")]
    assert len(rows) == 1
    ticket_id, level, reason, device = rows[0]
    assert reason == "long_wait"
    touch = [e for e in events if e["device"] == "touch"]
    assert touch and touch[0]["ticket_id"] == ticket_id and touch[0]["level"] == "unsatisfied"
    # the rating went out at once, its reason after it (each durable alone)
    assert touch[0]["reason"] is None and touch[0]["counter"] == 1 and touch[0]["officer"] == "nv01"
    reasons = [json.loads(p) for p in run.summary["reason_events"]]
    assert [(r["rating_id"], r["answered"], r["reason_code"]) for r in reasons] == [
        (touch[0]["rating_id"], True, "long_wait"), (reasons[1]["rating_id"], True, "attitude")]
    assert run.summary["panel_rating_before_reason"] == [["unsatisfied", None, "pending", "bus:0x81"]]
    from kiosk.i18n import Translator
    vi = Translator("vi")
    question, why = vi.gettext("How satisfied are you with our service?"), vi.gettext("We are sorry. Please tell us why:")
    assert run.summary["spoken"] == [question, why, question, why]  # each rating screen says its question


@ui
@pytest.mark.long  # its own scenario: in CI and with KIOSK_LONG_TESTS=1
def test_sign_in_by_pin_and_card_and_the_officer_on_every_action(signin_run: Run):
    run = signin_run
    assert run.proc.returncode == 0 and run.summary.get("ok"), run.explain()
    assert run.screenshots() == ["01-counter-signin.png", "02-counter-signin-pin.png", "03-counter-signed-in.png",
                                 "04-counter-card-refused.png"], run.explain()
    for name in run.screenshots():
        assert_not_blank(run.out / name)
    assert run.summary["signed_in"] == run.summary["called_by"] == "nv01"
    assert run.summary["other_card_message"] == "Thẻ cán bộ này thuộc trung tâm khác."
    assert run.summary["card_signed_in"] == "nv02"
    assert [json.loads(p)["action"] for p in run.summary["sessions"]] == ["sign_in", "sign_out", "sign_in"]
    assert json.loads(run.summary["sessions"][2])["method"] == "card"
    assert run.summary["rating_officers"] == ["nv01"]


@ui
@pytest.mark.long  # its own scenario: in CI and with KIOSK_LONG_TESTS=1
def test_dossiers_scanned_and_typed_while_serving_are_linked_and_rated(dossier_run: Run):
    run = dossier_run
    assert run.proc.returncode == 0 and run.summary.get("ok"), run.explain()
    assert run.screenshots() == ["01-counter-dossier-scanned.png", "02-counter-dossier-typing.png",
                                 "03-counter-dossier-linked.png", "04-counter-dossier-serving.png"], run.explain()
    for name in run.screenshots():
        assert_not_blank(run.out / name)
    codes = ["000.00.12.H12-261123-0001", "000.00.12.H12-261123-0002"]
    assert run.summary["linked"] == codes
    assert [json.loads(p)["dossier_code"] for p in run.summary["linked_events"]] == codes
    assert run.summary["other_agency_message"] == "Hồ sơ này do cơ quan khác tiếp nhận."
    assert run.summary["rating_dossier"] == codes[:1]


@ui
def test_a_panel_press_of_not_satisfied_is_stored_then_asks_its_reason_on_the_screen(counter_run: Run):
    run = counter_run
    assert run.summary.get("ok"), run.explain()
    assert run.summary["panel_prompted"] is True  # complete() sent "start rating" to evaluator 0x81
    assert run.summary["ratings"][1] == ["unsatisfied", "attitude", "bus:0x81", 3, 1]  # the reason given by touch
    events = run.summary["events"]
    assert events.count("rated") == 2 and events.count("rating_requested") == 2
    assert events.count("reason_asked") == events.count("reason_given") == 2
    timings = run.summary["timings"]
    assert timings["t_panel_reason_s"] - timings["t_panel_press_s"] < 2.0  # press -> stored -> reason screen


@ui
@pytest.mark.long  # its own scenario: in CI and with KIOSK_LONG_TESTS=1
def test_the_private_rating_terminal_shows_only_the_faces_and_the_central_accepts_its_rating(terminal_run: Run):
    run = terminal_run
    assert run.proc.returncode == 0 and run.summary.get("ok"), run.explain()
    assert run.screenshots() == ["01-rating-idle.png", "02-rating-faces.png", "03-rating-reason.png",
                                 "04-rating-thanks.png"], run.explain()
    for name in run.screenshots():
        assert_not_blank(run.out / name)
    (ticket_id, level, reason, state, device), = run.summary["ratings"]
    assert (level, reason, state, device) == ("unsatisfied", None, "unanswered", "touch")  # "không trả lời"
    assert run.summary["central_rating"] == [1, "unsatisfied", "nv01"]
    assert len(run.summary["spoken"]) == 2


# -- hall display ----------------------------------------------------------------------------
@ui
@pytest.mark.long  # its own scenario: in CI and with KIOSK_LONG_TESTS=1
def test_display_shows_the_calls_newest_first_and_keeps_them_offline(display_run: Run):
    run = display_run
    assert run.proc.returncode == 0 and run.summary.get("ok"), run.explain()
    for name in run.screenshots():
        assert_not_blank(run.out / name)
    called = run.summary["called"]
    assert [c["counter"] for c in called] == [3, 8, 1] and all(c["number"] for c in called)
    assert run.summary["pushed"] == 3  # through the push channel, not polling
    # the previous calls are 140 px high on a 1080 px high screen (readable from 10 m)
    width, height = run.summary["flash"]["window"]
    assert all(px * 1080 / height >= 140 for px in run.summary["flash"]["history_font_px"])
    latest, counter, text = run.summary["shown"]["latest"]
    assert latest == called[-1]["number"]
    # counter 1 shares Tư pháp - Hộ tịch with counter 2: the central says which one called
    assert counter == "1" and text == f"Mời công dân có số {latest} đến quầy số 1."
    assert run.summary["shown"]["history"] == [[called[1]["number"], "8"], [called[0]["number"], "3"]]
    assert run.summary["offline_keeps"] == [c["number"] for c in reversed(called)]


@ui
@pytest.mark.long  # its own scenario: in CI and with KIOSK_LONG_TESTS=1
def test_display_announces_each_call_as_a_wav(display_run: Run):
    run = display_run
    assert run.summary.get("ok"), run.explain()
    spoken = run.summary["spoken"]
    # each call: a chime, then the announcement twice (issue 15)
    assert len(spoken) == 6 and spoken[0] == spoken[1] and spoken[0].startswith("Mời công dân có số ")
    assert spoken[0].endswith("đến quầy số ba.")
    assert len(run.summary["wavs"]) >= 3
    assert run.summary["flash"]["chimes"] == 3 and run.summary["flash"]["highlight"] is True
    wav = run.out / "announcement.wav"
    assert wav.exists(), run.explain()
    if shutil.which("soxi"):
        seconds = float(subprocess.run(["soxi", "-D", str(wav)], capture_output=True, text=True, check=True).stdout)
        assert 1.5 < seconds < 15, seconds  # a full sentence, not silence or a fragment


# -- call detection without Kivy -------------------------------------------------------------
def test_calls_poller_announces_calls_and_recalls_once_and_survives_outages():
    from kiosk.contract.config import SAMPLE_CONFIG, load_config
    from kiosk.i18n import Translator
    from kiosk.sync.client import CentralUnavailable
    from screens.display.calls import CallsPoller

    config = load_config(SAMPLE_CONFIG)
    clock = {"t": 0}
    calls: list[dict] = []
    state = {"down": False}

    def at(seconds: int) -> str:
        return f"2026-11-23T02:00:{seconds:02d}+00:00"

    def fetch(since):  # what GET /api/v1/calls answers
        if state["down"]:
            raise CentralUnavailable("down")
        listed = [c for c in calls if since is None or c["called_at"] > since]
        return {"day": "2026-11-23", "server_time": at(clock["t"]), "calls": listed}

    def called(ticket, number, counter, seconds):
        calls.append({"ticket_id": ticket, "display_number": number, "service_code": "TPHT", "counter": counter,
                      "called_at": at(seconds), "recall": any(c["ticket_id"] == ticket for c in calls)})

    online = []
    poller = CallsPoller(fetch, config, Translator("vi"), on_calls=lambda c: None, on_online=online.append)
    called("t0", "A000", 1, 1)
    clock["t"] = 2
    assert poller.poll_once() == []                      # the baseline announces nothing
    called("t1", "K001", 3, 3)
    clock["t"] = 4
    got = poller.poll_once()
    assert [(c.display_number, c.counters) for c in got] == [("K001", (3,))]
    assert got[0].text == "Mời công dân có số K001 đến quầy số 3."
    clock["t"] = 5
    assert poller.poll_once() == []                      # the overlap never repeats a call
    state["down"] = True
    assert poller.poll_once() == [] and online == [True, False]
    called("t2", "A001", 2, 6)
    called("t1", "K001", 3, 7)                           # a recall: announced again
    state["down"] = False
    clock["t"] = 8
    got = poller.poll_once()                             # called during the outage: reported once
    assert [(c.display_number, c.counters) for c in got] == [("A001", (2,)), ("K001", (3,))] and online[-1] is True
    assert got[0].spoken == "Mời công dân có số A một đến quầy số hai."
    clock["t"] = 9
    assert poller.poll_once() == []
