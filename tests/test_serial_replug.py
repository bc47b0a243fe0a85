"""Unplug / replug through socat pty pairs with stable link names, plus the simulators."""
from __future__ import annotations

import shutil

import pytest

from devices.serial import ft12
from devices.serial.ascii import AsciiFramer
from devices.serial.ft12 import Ft12Framer
from devices.serial.modbus import ModbusLink, ModbusUnit
from devices.serial.ptys import SocatPair
from devices.serial.simulator import ModbusPanelSimulator, PanelSimulator
from devices.serial.supervisor import Backoff, PanelSupervisor
from devices.serial.transport import StreamLink
from tests.serial_support import Collector
from kiosk.ports import HealthState
from tests.waiting import wait_until

pytestmark = pytest.mark.skipif(shutil.which("socat") is None, reason="needs socat")

FAST = Backoff(initial=0.02, maximum=0.2)


def test_unplug_mid_frame_then_replug_reconnects(tmp_path):
    sink = Collector()
    with SocatPair(tmp_path) as pair:
        framer = Ft12Framer(pair.host)
        sup = PanelSupervisor("desk1", StreamLink(pair.host, framer), sink, health=sink.on_health, backoff=FAST)
        sup.start()
        try:
            assert sup.wait_up(5)
            with PanelSimulator(pair.dev, "ft12", addresses=(0x81,), answer=False) as sim:
                sim.press(1)
                assert sink.wait_for(lambda s: len(s.presses) == 1)
                sim.write(ft12.encode_key(0x81, 2)[:6])  # half a frame ...
                wait_until(lambda: framer.buffered() == 5, message="the half frame in the framer")  # FF not kept
            pair.unplug(hard=True)                        # ... and the cable is pulled
            assert sink.wait_for(lambda s: HealthState.FAILED in s.states())
            assert not sup.is_up
            wait_until(lambda: sup.stats["failures"] >= 3, message="a few failed reopen attempts")
            pair.plug()
            assert sink.wait_for(lambda s: s.states()[-1] == HealthState.OK)
            with PanelSimulator(pair.dev, "ft12", addresses=(0x81,), answer=False) as sim:
                sim.press(3)
                sim.press(4, garbage=True)
                assert sink.wait_for(lambda s: len(s.presses) == 3)
            assert [p.key for p in sink.presses] == [1, 3, 4]  # the half frame never glued on
            states = sink.states()
            assert states[0] == HealthState.OK and HealthState.FAILED in states and states[-1] == HealthState.OK
            assert all(h.device == "panel:desk1" for h in sink.health)
            assert sup.stats["opens"] >= 2 and sup.stats["failures"] >= 1
        finally:
            sup.stop()


def test_port_absent_at_start_then_appears(tmp_path):
    sink = Collector()
    pair = SocatPair(tmp_path)
    sup = PanelSupervisor("late", StreamLink(pair.host, AsciiFramer(pair.host)), sink,
                          health=sink.on_health, backoff=FAST)
    sup.start()
    try:
        assert sink.wait_for(lambda s: s.states() == [HealthState.FAILED])
        assert "no such port" in sink.health[0].detail
        with pair:
            assert sup.wait_up(5)
            with PanelSimulator(pair.dev, "ascii", answer=False) as sim:
                # Bytes sent while the kiosk side is (re)opening are flushed, as on real ports.
                sim.press(2)
                assert sink.wait_for(lambda s: [p.key for p in s.presses] == [2])
    finally:
        sup.stop()


def test_simulator_acknowledges_host_commands(tmp_path):
    sink = Collector()
    with SocatPair(tmp_path) as pair:
        framer = Ft12Framer(pair.host)
        sup = PanelSupervisor("ack", StreamLink(pair.host, framer), sink, backoff=FAST)
        sup.start()
        try:
            assert sup.wait_up(5)
            with PanelSimulator(pair.dev, "ft12", addresses=(0x81,)) as sim:
                assert sup.send(ft12.encode_start_rating(0x81))
                assert sup.send(ft12.encode_start_rating(0x42))   # nobody there: no answer
                wait_until(lambda: len(framer.replies) >= 1, 3, "the simulator's acknowledgement")
                assert list(framer.replies) == [ft12.Frame(0x81, ft12.FUNC_ACK, bytes([ft12.FUNC_START_RATING]))]
                assert ft12.Frame(0x81, ft12.FUNC_START_RATING, b"\x0b") in sim.received
        finally:
            sup.stop()


def test_exclusive_open_refuses_second_reader(tmp_path):
    import serial
    from devices.serial.transport import open_serial

    with SocatPair(tmp_path) as pair:
        first = open_serial(pair.host)
        try:
            with pytest.raises(serial.SerialException):
                open_serial(pair.host)
        finally:
            first.close()


def test_modbus_presses_and_replug(tmp_path):
    sink = Collector()
    with SocatPair(tmp_path) as pair:
        sim = ModbusPanelSimulator(pair.dev, {3: 8})
        sim.start()
        link = ModbusLink(pair.host, [ModbusUnit(3, inputs=8, kind="evaluator")], poll_interval=0.02,
                          timeout=0.1, fail_polls=2)
        sup = PanelSupervisor("mb", link, sink, health=sink.on_health, backoff=FAST)
        sim.set_input(3, 5, True)  # held before we connect: baseline, not a press
        sup.start()
        try:
            assert sup.wait_up(5)
            wait_until(lambda: link.stats["polls"] >= 1, message="the first poll (the baseline, input 5 held)")
            sim.set_input(3, 5, False)
            sim.press(3, 2, hold=0.1)
            assert sink.wait_for(lambda s: len(s.presses) == 1)
            p = sink.presses[0]
            assert (p.protocol, p.address, p.key, p.kind, p.port) == ("modbus", 3, 2, "evaluator", pair.host)
            assert not sup.send(b"\x00")  # input modules take no host frames

            sim.stop()
            pair.unplug(hard=True)
            assert sink.wait_for(lambda s: HealthState.FAILED in s.states())
            polls = link.stats["polls"]  # down: no poll is answered until the replug
            pair.plug()
            sim = ModbusPanelSimulator(pair.dev, {3: 8})
            sim.start()
            assert sink.wait_for(lambda s: s.states()[-1] == HealthState.OK)
            wait_until(lambda: link.stats["polls"] > polls, message="the baseline poll after the replug")
            sim.press(3, 7, hold=0.1)
            assert sink.wait_for(lambda s: [p.key for p in s.presses] == [2, 7])
        finally:
            sup.stop()
            sim.stop()
