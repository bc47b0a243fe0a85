"""The scanner line framer and the HID key decoder: pure, byte by byte, fuzzed."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.scanner.framing import LineFramer, Scan
from devices.scanner.hid import SUB, KeyDecoder
from kiosk.contract.dossier import MAX_PAYLOAD, DossierCode
from kiosk.dossier.parse import Refused, parse

CODE = b"000.00.12.H12-261110-0001"


def codes(scans: list[Scan]) -> list[bytes]:
    return [s.data for s in scans]


@pytest.mark.parametrize("end", [b"\r", b"\n", b"\r\n", b"\x03", b"\x04", b"\n\r"])
def test_a_code_with_any_line_end_is_one_scan(end):
    f = LineFramer("p")
    assert codes(f.feed(CODE + end, 1.0)) == [CODE]
    assert f.buffered() == 0


def test_two_codes_in_one_read_and_empty_lines_ignored():
    f = LineFramer(repeat_guard_s=0)
    assert codes(f.feed(b"\r\n\r\nA1\r\n\r\nB2\r\n", 0.0)) == [b"A1", b"B2"]


def test_split_reads_make_one_code():
    f = LineFramer()
    out = []
    for i, b in enumerate(CODE + b"\r"):
        out += f.feed(bytes([b]), i * 0.001)
    assert codes(out) == [CODE]


def test_a_pause_inside_a_code_drops_the_partial_code():
    f = LineFramer(timeout_s=0.5)
    assert f.feed(b"garbage-without-end", 0.0) == []
    assert f.buffered() > 0
    # the next scan, seconds later: the stale half must not glue onto it
    assert codes(f.feed(CODE + b"\r", 3.0)) == [CODE]
    assert f.stats["timed_out_partials"] == 1


def test_an_over_long_line_is_dropped_whole_and_the_next_code_survives():
    f = LineFramer(max_length=32)
    assert f.feed(b"9" * 100, 0.0) == []
    assert f.buffered() <= 32
    assert f.feed(b"9" * 100 + b"\r", 0.01) == []            # still the same line: dropped to its end
    assert codes(f.feed(CODE + b"\r", 0.02)) == [CODE]
    assert f.stats["too_long"] == 1


def test_exactly_max_length_is_delivered():
    f = LineFramer(max_length=len(CODE))
    assert codes(f.feed(CODE + b"\r", 0)) == [CODE]
    assert f.feed(CODE + b"X\r", 5) == []


def test_stx_resynchronises():
    f = LineFramer()
    assert codes(f.feed(b"noise\x02" + CODE + b"\x03", 0)) == [CODE]
    assert f.stats["resync_partials"] == 1


def test_a_code_held_under_the_scanner_is_delivered_once():
    f = LineFramer(repeat_guard_s=2.0)
    assert codes(f.feed(CODE + b"\r", 0.0)) == [CODE]
    assert f.feed(CODE + b"\r", 0.5) == []
    assert f.feed(CODE + b"\r", 2.0) == []                    # still held: the guard restarts
    assert codes(f.feed(CODE + b"\r", 5.0)) == [CODE]         # scanned again later
    assert codes(f.feed(b"OTHER\r", 5.1)) == [b"OTHER"]


def test_control_characters_are_kept_for_the_parser_to_refuse():
    f = LineFramer()
    [scan] = f.feed(b"\x1b[2J000.00.12.H12\x00-261110-0001\r", 0)
    assert isinstance(parse(scan.data), Refused)
    assert "000.00" not in repr(scan)  # a Scan never shows its content


def test_the_default_maximum_is_the_parsers():
    assert LineFramer().max_length == MAX_PAYLOAD


@settings(max_examples=400, deadline=None)
@given(chunks=st.lists(st.tuples(st.binary(max_size=300), st.floats(0, 2)), max_size=30),
       max_length=st.integers(1, 200))
def test_any_bytes_in_any_split_never_crash_nor_exceed_the_maximum(chunks, max_length):
    f = LineFramer("fuzz", max_length=max_length, timeout_s=0.5)
    now = 0.0
    for data, gap in chunks:
        now += gap
        for scan in f.feed(data, now):
            assert 1 <= len(scan.data) <= max_length
            assert not set(scan.data) & {0x02, 0x03, 0x04, 0x0A, 0x0D}
        assert f.buffered() <= max_length


@settings(max_examples=200, deadline=None)
@given(noise=st.binary(max_size=600), cut=st.integers(0, 40))
def test_noise_then_a_pause_never_swallows_the_next_code(noise, cut):
    f = LineFramer(timeout_s=0.5)
    f.feed(noise, 0.0)
    out = f.feed(CODE[:cut], 1.0) + f.feed(CODE[cut:] + b"\r", 1.01)
    assert codes(out)[-1:] == [CODE]
    assert isinstance(parse(out[-1].data), DossierCode)


# -- keyboard-mode (evdev) decoding ----------------------------------------------------------
KEYS = {"0": 11, "1": 2, "2": 3, "6": 7, ".": 52, "-": 12, "h": 35}


def typed(text: str) -> list[tuple[int, int]]:
    events = []
    for ch in text:
        if ch.isupper():
            events += [(42, 1), (KEYS[ch.lower()], 1), (KEYS[ch.lower()], 0), (42, 0)]
        else:
            events += [(KEYS[ch], 1), (KEYS[ch], 0)]
    return events + [(28, 1), (28, 0)]


def test_key_decoder_types_a_code_with_shifted_letters_and_enter():
    d, f = KeyDecoder(), LineFramer()
    data = b"".join(d.key(c, v) for c, v in typed("000.00.12.H12-261110-0001"))
    assert codes(f.feed(data, 0)) == [CODE]


def test_key_decoder_marks_unknown_keys_so_the_payload_is_refused():
    d = KeyDecoder()
    assert d.key(183, 1) == bytes([SUB])        # F13: no character
    assert d.key(2, 2) == b""                    # autorepeat: nothing new
    assert d.key(30, 1) == b"a" and d.key(58, 1) == b"" and d.key(30, 1) == b"A"  # caps lock


def test_key_codes_match_the_kernel_table_when_evdev_is_installed():
    ecodes = pytest.importorskip("evdev.ecodes")
    assert (ecodes.KEY_1, ecodes.KEY_0, ecodes.KEY_DOT, ecodes.KEY_MINUS, ecodes.KEY_H, ecodes.KEY_Q,
            ecodes.KEY_M, ecodes.KEY_ENTER, ecodes.KEY_KPENTER, ecodes.KEY_LEFTSHIFT, ecodes.KEY_KP0,
            ecodes.KEY_SLASH) == (2, 11, 52, 12, 35, 16, 50, 28, 96, 42, 82, 53)
