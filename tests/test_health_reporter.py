"""kiosk.health.HealthReporter: the one way a part reports its health (printer, speech, serial
and scanner supervisors, sync, ratings)."""
from __future__ import annotations

from kiosk.health import HealthBoard, HealthReporter
from kiosk.ports import HealthReport, HealthState

OK, FAILED = HealthState.OK, HealthState.FAILED


def test_drop_skips_a_report_equal_to_the_last_one():
    sent: list[HealthReport] = []
    report = HealthReporter("speech", sent.append)
    assert report(OK) and not report(OK)
    assert report(FAILED, "no audio") and not report(FAILED, "no audio")
    assert report(FAILED, "still no audio") and report(OK)
    assert [(r.state, r.detail) for r in sent] == [(OK, ""), (FAILED, "no audio"), (FAILED, "still no audio"),
                                                   (OK, "")]
    assert report.last == HealthReport("speech", OK, "")


def test_drop_same_state_reports_transitions_only():
    sent: list[HealthReport] = []
    report = HealthReporter("panel:bus", sent.append, repeats="drop_same_state")
    for detail in ("unplugged", "still unplugged", "gone"):
        report(FAILED, detail)
    report(OK, "up")
    assert [(r.state, r.detail) for r in sent] == [(FAILED, "unplugged"), (OK, "up")]


def test_send_reports_every_time_and_caps_the_detail():
    sent: list[HealthReport] = []
    report = HealthReporter("printer", sent.append, repeats="send", max_detail=5)
    report(FAILED, "paper out, cover open")
    report(FAILED, "paper out, cover open")
    assert [r.detail for r in sent] == ["paper", "paper"]


def test_a_broken_sink_never_raises_and_no_sink_is_fine():
    def broken(report: HealthReport) -> None:
        raise RuntimeError("listener bug")
    assert HealthReporter("printer", broken)(FAILED, "x")
    assert HealthReporter("printer", None)(OK)


def test_a_board_sink_keeps_the_latest():
    board = HealthBoard()
    report = HealthReporter("central", board.report, repeats="send")
    report(FAILED, "not authorised")
    assert board.snapshot()["central"].state is FAILED and board.worst() is FAILED
