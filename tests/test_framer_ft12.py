"""Pure FT1.2 framer: decoding rules, error counting, resynchronisation, properties."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from devices.serial import ft12
from devices.serial.ft12 import AddressPlan, Frame, Ft12Decoder, Ft12Framer


def presses(data: bytes, framer: Ft12Framer | None = None):
    framer = framer or Ft12Framer("p")
    return [(p.address, p.key, p.kind) for p in framer.feed(data)]


def test_encoders_match_documented_bytes():
    assert ft12.encode_start_rating(0x81) == bytes.fromhex("ff 68 03 03 68 81 01 0b 8d 16")
    assert ft12.encode_key(0x81, 0x02) == bytes.fromhex("ff 68 03 03 68 81 11 02 94 16")
    assert ft12.encode_show_digits(0x01, "23") == bytes.fromhex("ff 68 04 04 68 01 02 32 33 68 16")
    assert ft12.encode_beep(0x01)[6] == ft12.FUNC_BEEP
    assert ft12.encode_ack(0x81, ft12.FUNC_START_RATING)[5:8] == bytes([0x81, ft12.FUNC_ACK, 0x01])


def test_evaluator_and_caller_by_address_convention():
    data = ft12.encode_key(0x81, 3) + ft12.encode_key(0x01, ft12.CallerKey.CALL)
    assert presses(data) == [(0x81, 3, "evaluator"), (0x01, 0x0C, "caller")]


def test_preamble_is_optional():
    assert presses(ft12.encode_key(0x82, 1)[1:]) == [(0x82, 1, "evaluator")]


def test_explicit_plan_reports_unknown_address_without_crashing():
    framer = Ft12Framer("p", AddressPlan(evaluators=frozenset({0x81}), callers=frozenset({0x01})))
    data = ft12.encode_key(0x90, 1) + ft12.encode_key(0x81, 2)
    assert presses(data, framer) == [(0x81, 2, "evaluator")]
    assert framer.stats["unknown_address"] == 1 and framer.unknown_addresses[0x90] == 1


def test_broadcast_address_is_not_a_sender():
    framer = Ft12Framer("p")
    assert presses(ft12.encode_key(0x00, 1), framer) == []
    assert framer.stats["unknown_address"] == 1


def test_caller_key_out_of_range_and_bad_key_length():
    framer = Ft12Framer("p")
    data = ft12.encode_key(0x01, 0x10) + ft12.encode_frame(0x81, ft12.FUNC_KEY, b"\x01\x02")
    assert presses(data, framer) == []
    assert framer.stats["bad_key"] == 2


def test_device_acks_go_to_replies_not_presses():
    framer = Ft12Framer("p")
    assert presses(ft12.encode_ack(0x81, ft12.FUNC_START_RATING), framer) == []
    assert list(framer.replies) == [Frame(0x81, ft12.FUNC_ACK, b"\x01")]


def test_wrong_checksum_then_valid_frame():
    bad = bytearray(ft12.encode_key(0x81, 1))
    bad[-2] ^= 0x55
    framer = Ft12Framer("p")
    assert presses(bytes(bad) + ft12.encode_key(0x81, 2), framer) == [(0x81, 2, "evaluator")]
    assert framer.stats["checksum_errors"] == 1


def test_bad_stop_byte_is_rejected():
    bad = bytearray(ft12.encode_key(0x81, 1))
    bad[-1] = 0x17
    framer = Ft12Framer("p")
    assert presses(bytes(bad), framer) == []
    assert framer.stats["stop_errors"] == 1


def test_truncated_frame_then_valid_frame():
    framer = Ft12Framer("p")
    data = ft12.encode_key(0x81, 1)[:6] + ft12.encode_key(0x81, 2)
    assert presses(data, framer) == [(0x81, 2, "evaluator")]


def test_valid_frame_hidden_inside_rejected_header_is_found():
    # "68 05 05 68" claims a 5-byte body that would swallow the real frame's start.
    framer = Ft12Framer("p")
    data = b"\x68\x05\x05\x68" + ft12.encode_key(0x81, 2)
    assert presses(data, framer) == [(0x81, 2, "evaluator")]


def test_oversized_length_does_not_make_the_buffer_wait():
    framer = Ft12Framer("p")
    # L = 0xFF would wait for 261 bytes; capped at MAX_LEN it is rejected at once.
    assert presses(b"\x68\xff\xff\x68" + ft12.encode_key(0x81, 3), framer) == [(0x81, 3, "evaluator")]
    assert framer.stats["length_errors"] >= 1  # the inner 68 is rescanned too
    assert framer.buffered() == 0


def test_length_mismatch_counted():
    framer = Ft12Framer("p")
    presses(b"\x68\x03\x04\x68\x81\x11\x01\x93\x16", framer)
    assert framer.stats["length_errors"] >= 1  # the inner 68 is rescanned too


def test_garbage_bytes_counted_but_preamble_fill_is_not():
    framer = Ft12Framer("p")
    presses(b"\x01\x02\x03\xff\xff" + ft12.encode_key(0x81, 1), framer)
    assert framer.stats["garbage_bytes"] == 3


def test_reset_forgets_partial_frame():
    framer = Ft12Framer("p")
    framer.feed(ft12.encode_key(0x81, 1)[:7])
    assert framer.buffered() > 0
    framer.reset()
    assert framer.buffered() == 0


# -- properties ---------------------------------------------------------------------------

frames = st.builds(
    Frame,
    address=st.integers(0, 255),
    func=st.integers(0, 255),
    data=st.binary(max_size=ft12.MAX_LEN - 2),
)
key_frames = st.builds(lambda a, k: ft12.encode_key(a, k), st.integers(0x80, 0xFF), st.integers(0, 255))
no_start = st.binary(max_size=64).map(lambda b: b.replace(b"\x68", b""))


@given(garbage=no_start, frame=frames)
def test_prop_garbage_without_start_byte_then_frame_decodes_exactly(garbage, frame):
    decoder = Ft12Decoder()
    assert decoder.feed(garbage + ft12.encode(frame)) == [frame]


@given(garbage=st.binary(max_size=100), frame=frames)
def test_prop_any_garbage_then_idle_gap_then_frame_decodes(garbage, frame):
    # Garbage may hold accidental frames, but after one maximum frame of idle line no
    # candidate started in the garbage can reach into the real frame.
    decoder = Ft12Decoder()
    idle = bytes(decoder.max_frame)
    out = decoder.feed(garbage + idle + ft12.encode(frame))
    assert out and out[-1] == frame


@given(parts=st.lists(st.one_of(key_frames, st.binary(max_size=12)), max_size=20), data=st.data())
def test_prop_any_split_gives_same_events_and_counts(parts, data):
    stream = b"".join(parts)
    whole = Ft12Framer("p")
    expected = whole.feed(stream)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=12)))
    split = Ft12Framer("p")
    got = []
    for a, b in zip([0] + cuts, cuts + [len(stream)], strict=True):
        got += split.feed(stream[a:b])
    assert got == expected
    assert split.stats == whole.stats
    assert split.buffered() == whole.buffered()


@settings(max_examples=200)
@given(chunks=st.lists(st.binary(max_size=200), max_size=10))
def test_prop_random_bytes_never_raise_and_buffer_stays_bounded(chunks):
    framer = Ft12Framer("p")
    for chunk in chunks:
        framer.feed(chunk)
        assert framer.buffered() < framer.decoder.max_frame


@given(frame=frames, preamble=st.booleans())
def test_prop_encode_decode_round_trip(frame, preamble):
    assert Ft12Decoder().feed(ft12.encode(frame, preamble=preamble)) == [frame]


@given(address=st.integers(0x80, 0xFF), key=st.integers(0, 255))
def test_prop_key_press_round_trip(address, key):
    assert presses(ft12.encode_key(address, key)) == [(address, key, "evaluator")]
