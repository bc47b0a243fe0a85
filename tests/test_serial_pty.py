"""Supervisor + framers through real pseudo-terminals (os.openpty, raw mode)."""
from __future__ import annotations

import os
import random
import select
import threading
import time


from devices.serial import ft12
from devices.serial.ascii import AsciiFramer
from devices.serial.ft12 import AddressPlan, Ft12Framer
from devices.serial.supervisor import Backoff, PanelSupervisor
from devices.serial.transport import StreamLink
from tests.serial_support import Collector
from tests.waiting import wait_until
from kiosk.ports import HealthState, PanelPress

FAST = Backoff(initial=0.02, maximum=0.2)


def start(path: str, framer, sink: Collector, name: str = "t") -> PanelSupervisor:
    sup = PanelSupervisor(name, StreamLink(path, framer), sink, health=sink.on_health, backoff=FAST)
    sup.start()
    assert sup.wait_up(5)
    return sup


def test_frames_with_random_garbage_between(pty):
    master, path = pty
    sink = Collector()
    framer = Ft12Framer(path)
    sup = start(path, framer, sink)
    rng = random.Random(7)
    expected = []
    try:
        for i in range(60):
            key = i % 4
            os.write(master, bytes(rng.randrange(256) for _ in range(rng.randint(0, 12))))
            os.write(master, ft12.encode_key(0x81 + i % 3, key))
            expected.append((0x81 + i % 3, key))
        assert sink.wait_for(lambda s: len(s.presses) >= 60)
        assert sink.keys() == expected
        assert framer.stats["garbage_bytes"] > 0
        assert sink.presses[0].port == path and sink.presses[0].protocol == "ft12"
        assert sink.presses[0].received_at > 0
    finally:
        sup.stop()
    assert not sup._thread.is_alive()


def test_frame_split_byte_by_byte(pty):
    master, path = pty
    sink = Collector()
    framer = Ft12Framer(path)
    sup = start(path, framer, sink)
    frame = ft12.encode_key(0x85, 2)  # FF (preamble, not kept) 68 ... 16
    try:
        for i, byte in enumerate(frame):
            os.write(master, bytes([byte]))
            if 0 < i < len(frame) - 1:  # each byte read on its own before the next is written
                wait_until(lambda i=i: framer.buffered() == i, message=f"byte {i} in the framer")
        assert sink.wait_for(lambda s: s.keys() == [(0x85, 2)])
    finally:
        sup.stop()


def test_truncated_bad_checksum_oversized_then_valid(pty):
    master, path = pty
    sink = Collector()
    framer = Ft12Framer(path)
    sup = start(path, framer, sink)
    bad_cs = bytearray(ft12.encode_key(0x81, 1))
    bad_cs[-2] ^= 0xFF
    try:
        os.write(master, ft12.encode_key(0x81, 1)[:5])       # truncated
        os.write(master, bytes(bad_cs))                       # wrong checksum
        os.write(master, b"\xff\x68\xfe\xfe\x68\x81\x11")     # oversized length
        os.write(master, ft12.encode_key(0x81, 3))
        assert sink.wait_for(lambda s: s.keys() == [(0x81, 3)])
        assert framer.stats["checksum_errors"] >= 1 and framer.stats["length_errors"] >= 1
        assert framer.buffered() == 0
    finally:
        sup.stop()


def test_flood_of_presses_none_lost(pty):
    master, path = pty
    sink = Collector()
    sup = start(path, Ft12Framer(path), sink)
    frames = [ft12.encode_key(0x80 + i % 32, i % 10) for i in range(2000)]
    writer = threading.Thread(target=lambda: os.write(master, b"".join(frames)) and None)
    try:
        writer.start()  # 20 KB > pty buffer: the write blocks until the supervisor drains it
        assert sink.wait_for(lambda s: len(s.presses) >= 2000, timeout=15)
        assert sink.keys() == [(0x80 + i % 32, i % 10) for i in range(2000)]
    finally:
        writer.join(5)
        sup.stop()


def test_unknown_address_ignored_and_reported(pty):
    master, path = pty
    sink = Collector()
    framer = Ft12Framer(path, AddressPlan(evaluators=frozenset({0x81})))
    sup = start(path, framer, sink)
    try:
        os.write(master, ft12.encode_key(0x99, 1) + ft12.encode_key(0x81, 2))
        assert sink.wait_for(lambda s: s.keys() == [(0x81, 2)])
        assert framer.unknown_addresses == {0x99: 1}
        assert sup.is_up
    finally:
        sup.stop()


def test_callback_exception_is_counted_and_reading_continues(pty):
    master, path = pty
    sink = Collector()

    def flaky(press: PanelPress) -> None:
        if press.key == 1:
            raise RuntimeError("app bug")
        sink(press)

    sup = PanelSupervisor("t", StreamLink(path, Ft12Framer(path)), flaky, backoff=FAST)
    sup.start()
    assert sup.wait_up(5)
    try:
        os.write(master, ft12.encode_key(0x81, 1) + ft12.encode_key(0x81, 2))
        assert sink.wait_for(lambda s: s.keys() == [(0x81, 2)])
        assert sup.stats["callback_errors"] == 1 and sup.stats["failures"] == 0
    finally:
        sup.stop()


def test_ascii_keypad(pty):
    master, path = pty
    sink = Collector()
    sup = start(path, AsciiFramer(path), sink)
    try:
        os.write(master, b"1\r\n2\r\n#3")  # "#" is noise
        assert sink.wait_for(lambda s: s.keys() == [(None, 1), (None, 2), (None, 3)])
    finally:
        sup.stop()


def test_send_writes_host_frame(pty):
    master, path = pty
    sink = Collector()
    sup = start(path, Ft12Framer(path), sink)
    try:
        assert sup.send(ft12.encode_start_rating(0x81))
        expected, got = ft12.encode_start_rating(0x81), b""
        deadline = time.monotonic() + 3
        while len(got) < len(expected):  # a read that would block is bounded by the deadline
            ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, f"timed out waiting for the host frame; got {got!r}"
            got += os.read(master, 64)
        assert got == expected
    finally:
        sup.stop()
    assert not sup.send(b"x")  # down: refused, not queued for later


def test_hangup_reports_failed(pty):
    master, path = pty
    sink = Collector()
    sup = start(path, Ft12Framer(path), sink)
    try:
        os.close(master)  # the far end vanishes: reads fail like an unplugged USB adapter
        assert sink.wait_for(lambda s: any(h.state == HealthState.FAILED for h in s.health))
        failed = [h for h in sink.health if h.state == HealthState.FAILED][0]
        assert failed.device == "panel:t" and failed.detail
        assert sink.health[0].state == HealthState.OK
    finally:
        sup.stop()


def test_frames_the_checksum_passed_but_that_make_no_sense_are_counted_in_health(pty):
    """The 8-bit sum misses swapped or compensating bytes: such frames decode, then are refused
    for their content (unknown address, key out of range) and counted in the panel's health."""
    master, path = pty
    sink = Collector()
    framer = Ft12Framer(path, AddressPlan(evaluators=frozenset({0x81}), callers=frozenset({0x01})))
    sup = PanelSupervisor("t", StreamLink(path, framer), sink, health=sink.on_health, backoff=FAST,
                          suspicious_every_s=0.0)
    sup.start()
    assert sup.wait_up(5)
    try:
        good = ft12.encode_key(0x81, 2)
        # ADDR and DATA swapped: same sum, so the checksum passes (0x02 is no configured address)
        swapped = bytes([*good[:5], good[7], good[6], good[5], *good[8:]])
        assert swapped[-2] == good[-2]
        os.write(master, swapped + ft12.encode_key(0x01, 0x40) + good)  # a caller key out of range
        assert sink.wait_for(lambda s: s.keys() == [(0x81, 2)])
        assert sink.wait_for(lambda s: any("suspicious frames: 2" in h.detail for h in s.health))
        assert framer.stats["suspicious_frames"] == 2 and framer.stats["checksum_errors"] == 0
        assert all(h.state == HealthState.OK for h in sink.health)
    finally:
        sup.stop()
