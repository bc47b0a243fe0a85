"""Pure ASCII keypad framer."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from devices.serial import ascii as ascii_proto
from devices.serial.ascii import AsciiFramer


def keys(data: bytes, framer: AsciiFramer | None = None) -> list[int]:
    return [p.key for p in (framer or AsciiFramer("p")).feed(data)]


def test_digits_letters_and_line_endings():
    framer = AsciiFramer("p")
    assert keys(b"1\r\n2\n3Ac", framer) == [1, 2, 3, 10, 12]
    assert framer.stats["garbage_bytes"] == 0


def test_press_fields():
    (press,) = AsciiFramer("/dev/x", kind="caller").feed(b"7", now=5.0)
    assert (press.port, press.protocol, press.address, press.key, press.kind, press.received_at) == \
        ("/dev/x", "ascii", None, 7, "caller", 5.0)


def test_garbage_counted_and_letters_optional():
    framer = AsciiFramer("p", letters=False)
    assert keys(b"\x00x9\xff", framer) == [9]
    assert framer.stats["garbage_bytes"] == 3


NON_KEY = bytes(b for b in range(256) if ascii_proto.key_of(b) is None)


@given(garbage=st.binary(max_size=50).map(lambda b: bytes(NON_KEY[x % len(NON_KEY)] for x in b)),
       key=st.integers(0, 35))
def test_prop_garbage_then_key(garbage, key):
    assert keys(garbage + ascii_proto.encode_key(key)) == [key]


@given(stream=st.binary(max_size=100), cut=st.integers(0, 100))
def test_prop_split_invariant(stream, cut):
    a, b = AsciiFramer("p"), AsciiFramer("p")
    assert a.feed(stream) == b.feed(stream[:cut]) + b.feed(stream[cut:])
    assert a.stats == b.stats


@given(stream=st.binary(max_size=500))
def test_prop_never_raises_never_buffers(stream):
    framer = AsciiFramer("p")
    framer.feed(stream)
    assert framer.buffered() == 0


@given(key=st.integers(0, 35))
def test_prop_round_trip(key):
    assert keys(ascii_proto.encode_key(key)) == [key]
