"""A serial scanner end to end through a real pty: simulator -> pty -> supervisor -> scans."""
from __future__ import annotations

import threading
import time

import pytest

from devices.scanner import Scan, ScannerSupervisor, open_scanner
from devices.scanner.simulator import ScannerSimulator
from devices.serial.supervisor import Backoff
from kiosk.contract.config import ScannerSettings
from kiosk.contract.dossier import DossierCode
from kiosk.dossier.parse import Refused, parse
from kiosk.ports import HealthState
from tests.waiting import wait_until

CODE = "000.00.12.H12-261110-0001"
LAST = "000.00.12.H12-261110-0002"


class Sink:
    def __init__(self) -> None:
        self.scans: list[Scan] = []
        self.health = []
        self.threads: set[str] = set()
        self.cond = threading.Condition()

    def __call__(self, scan: Scan) -> None:
        with self.cond:
            self.scans.append(scan)
            self.threads.add(threading.current_thread().name)
            self.cond.notify_all()

    def on_health(self, report) -> None:
        with self.cond:
            self.health.append(report)
            self.cond.notify_all()

    def wait_for(self, n: int, timeout: float = 5.0) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: len(self.scans) >= n, timeout)


def start(path: str, sink: Sink, **overrides) -> ScannerSupervisor:
    settings = ScannerSettings(kind="serial", port=path, **{"timeout_s": 0.3, **overrides})
    sup = open_scanner(settings, sink, health=sink.on_health, backoff=Backoff(initial=0.02, maximum=0.2))
    assert sup is not None and sup.wait_up(5)
    return sup


def test_codes_garbage_and_hostile_lines_through_a_pty(pty):
    master, path = pty
    sink = Sink()
    sup = start(path, sink)
    try:
        sim = ScannerSimulator(master, seed=7)
        sim.garbage(40)                      # line noise, ended: one (refused) scan
        sim.over_long(3000)                  # dropped whole
        sim.control_chars()                  # kept, refused by the parser
        sim.unfinished()                     # half a code, then silence ...
        half = len("000.00.12.H12-2611")
        wait_until(lambda: sup.link.framer.buffered() == half, message="the half code to reach the framer")
        time.sleep(0.5)                      # the silence itself (> timeout_s = 0.3): part of the scenario
        sim.scan(CODE, split=5, pause_s=0.01)  # ... must not glue onto this one
        sim.scan("javascript:alert(1)")
        sim.scan(LAST)                       # in order after the others: once it is here, all of them are
        assert sink.wait_for(5), sink.scans
        parsed = [parse(s.data) for s in sink.scans]
        assert len(sink.scans) == 5 and parsed[4] == parse(LAST), parsed
        assert all(len(s.data) <= 512 for s in sink.scans)
        assert isinstance(parsed[0], Refused) and isinstance(parsed[1], Refused)
        assert parsed[2] == parse(CODE) and isinstance(parsed[2], DossierCode)
        assert parsed[3] == Refused("unknown_link")
        assert sink.threads == {"panel-lobby"}   # delivered on the port thread: the UI must hand over
        assert sink.health[0].device == "scanner:lobby" and sink.health[0].state is HealthState.OK
        stats = sup.link.framer.stats
        assert stats["too_long"] == 1 and stats["timed_out_partials"] == 1
    finally:
        sup.stop()


def test_a_missing_port_reports_failed_and_kind_none_opens_nothing(tmp_path):
    assert open_scanner(ScannerSettings(), lambda scan: None) is None
    sink = Sink()
    settings = ScannerSettings(kind="serial", port=str(tmp_path / "nope"))
    sup = open_scanner(settings, sink, health=sink.on_health, backoff=Backoff(initial=0.02, maximum=0.1))
    try:
        with sink.cond:
            assert sink.cond.wait_for(lambda: sink.health, 5)
        assert sink.health[0].state is HealthState.FAILED and not sup.is_up
    finally:
        sup.stop()


def test_evdev_without_a_device_fails_cleanly(tmp_path):
    sink = Sink()
    settings = ScannerSettings(kind="evdev", port=str(tmp_path / "event99"))
    sup = open_scanner(settings, sink, health=sink.on_health, backoff=Backoff(initial=0.02, maximum=0.1))
    try:
        with sink.cond:
            assert sink.cond.wait_for(lambda: sink.health, 5)
        assert sink.health[0].device == "scanner:lobby" and sink.health[0].state is HealthState.FAILED
    finally:
        sup.stop()


def test_scanner_settings_need_a_port():
    from pydantic import ValidationError
    with pytest.raises(ValidationError):
        ScannerSettings(kind="serial")
