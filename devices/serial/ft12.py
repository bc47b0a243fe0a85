"""FT1.2-like queue-hardware bus: rating evaluators and caller keypads on one RS-485 line.

Frame (variable length, as in IEC 60870-5-1 FT1.2):

    FF 68 L L 68 ADDR FUNC DATA.. CS 16

FF is a wake-up preamble (optional on decode: an RS-485 transceiver that turns on late may eat
it), L = bytes from ADDR to the end of DATA (sent twice), CS = (ADDR + FUNC + sum(DATA)) % 256.

Decoding is split in two pure layers: `Ft12Decoder` turns bytes into `Frame`s (framing errors
only) and `Ft12Framer` turns frames into `PanelPress`es (addressing and key rules).
"""
from __future__ import annotations

import enum
from collections import Counter, deque
from dataclasses import dataclass

from kiosk.ports import PanelPress

PROTOCOL = "ft12"

PREAMBLE = 0xFF
START = 0x68
STOP = 0x16
MIN_LEN = 2            # ADDR + FUNC
MAX_LEN = 32           # caps how long a bogus length byte can make us wait
HEADER = 4             # 68 L L 68
TRAILER = 2            # CS 16

# Function codes
FUNC_KEY = 0x11           # device -> host: one key byte
FUNC_START_RATING = 0x01  # host -> evaluator, DATA 0x0B
FUNC_SHOW_DIGITS = 0x02   # host -> caller: digits to show (ASCII)
FUNC_BEEP = 0x03          # host -> device
FUNC_ACK = 0x06           # either way, DATA = the function being acknowledged (our convention)

RATING_REQUEST = 0x0B     # DATA byte of FUNC_START_RATING
BROADCAST = 0x00
EVALUATOR_OFFSET = 0x80   # evaluator address = caller address + 0x80 (public convention)


class CallerKey(enum.IntEnum):
    """Caller keypad key codes; 0x00-0x09 are the digits themselves."""
    START = 0x0A      # start / transfer
    WAIT = 0x0B       # wait / evaluate
    CALL = 0x0C
    RECALL = 0x0D
    CANCEL = 0x0E
    FUNCTION = 0x0F


MAX_CALLER_KEY = 0x0F


@dataclass(frozen=True)
class Frame:
    address: int
    func: int
    data: bytes = b""


def checksum(body: bytes | bytearray) -> int:
    return sum(body) & 0xFF


def encode_frame(address: int, func: int, data: bytes = b"", *, preamble: bool = True) -> bytes:
    if not (0 <= address <= 0xFF and 0 <= func <= 0xFF):
        raise ValueError("address and func are single bytes")
    body = bytes([address, func]) + bytes(data)
    if len(body) > MAX_LEN:
        raise ValueError(f"frame body {len(body)} > {MAX_LEN} bytes")
    n = len(body)
    head = bytes([PREAMBLE]) if preamble else b""
    return head + bytes([START, n, n, START]) + body + bytes([checksum(body), STOP])


def encode(frame: Frame, *, preamble: bool = True) -> bytes:
    return encode_frame(frame.address, frame.func, frame.data, preamble=preamble)


def encode_key(address: int, key: int) -> bytes:
    """Device -> host key press (what evaluators and caller keypads send)."""
    return encode_frame(address, FUNC_KEY, bytes([key]))


def encode_start_rating(address: int) -> bytes:
    return encode_frame(address, FUNC_START_RATING, bytes([RATING_REQUEST]))


def encode_show_digits(address: int, text: str) -> bytes:
    return encode_frame(address, FUNC_SHOW_DIGITS, text.encode("ascii"))


def encode_beep(address: int, count: int = 1) -> bytes:
    return encode_frame(address, FUNC_BEEP, bytes([count]))


def encode_ack(address: int, func: int) -> bytes:
    return encode_frame(address, FUNC_ACK, bytes([func]))


class Ft12Decoder:
    """Bytes -> frames. On any framing error drop ONE byte and rescan, so a good frame that
    starts inside rejected bytes is still found. The buffer never exceeds one maximum frame."""

    def __init__(self, max_len: int = MAX_LEN) -> None:
        if not MIN_LEN <= max_len <= 255:
            raise ValueError("max_len must be in 2..255")
        self.max_len = max_len
        self.max_frame = HEADER + max_len + TRAILER
        self._buf = bytearray()
        self.stats: Counter[str] = Counter()

    def buffered(self) -> int:
        return len(self._buf)

    def reset(self) -> None:
        self._buf.clear()

    def _skip(self, start: int, end: int) -> None:
        # FF is preamble / idle fill, not noise; everything else skipped is garbage.
        skipped = self._buf[start:end]
        self.stats["garbage_bytes"] += len(skipped) - skipped.count(PREAMBLE)

    def feed(self, data: bytes) -> list[Frame]:
        buf = self._buf
        buf += data
        frames: list[Frame] = []
        i, n = 0, len(buf)
        while True:
            j = buf.find(START, i)
            if j < 0:
                self._skip(i, n)
                i = n
                break
            if j > i:
                self._skip(i, j)
                i = j
            if n - i < HEADER:
                break  # wait: decisions only on complete headers keep splitting irrelevant
            length = buf[i + 1]
            if buf[i + 2] != length or not MIN_LEN <= length <= self.max_len:
                self.stats["length_errors"] += 1
                i += 1
                continue
            if buf[i + 3] != START:
                self.stats["start_errors"] += 1
                i += 1
                continue
            end = i + HEADER + length + TRAILER
            if n < end:
                break
            body_end = i + HEADER + length
            if checksum(buf[i + HEADER:body_end]) != buf[body_end]:
                self.stats["checksum_errors"] += 1
                i += 1
                continue
            if buf[body_end + 1] != STOP:
                self.stats["stop_errors"] += 1
                i += 1
                continue
            frames.append(Frame(buf[i + HEADER], buf[i + HEADER + 1], bytes(buf[i + HEADER + 2:body_end])))
            i = end
        del buf[:i]
        self.stats["frames"] += len(frames)
        return frames


@dataclass(frozen=True)
class AddressPlan:
    """Which bus addresses are evaluators and which are caller keypads.

    Default (both None): the public convention, high bit set = evaluator (caller + 0x80),
    0x01-0x7F = caller, 0x00 = broadcast (never a sender). With explicit sets, only the listed
    addresses are known; anything else is reported as unknown and ignored.
    """
    evaluators: frozenset[int] | None = None
    callers: frozenset[int] | None = None

    def kind_of(self, address: int) -> str | None:
        if self.evaluators is None and self.callers is None:
            if address == BROADCAST:
                return None
            return "evaluator" if address & EVALUATOR_OFFSET else "caller"
        if self.evaluators and address in self.evaluators:
            return "evaluator"
        if self.callers and address in self.callers:
            return "caller"
        return None


class Ft12Framer:
    """Bytes -> PanelPress for FUNC 0x11 key frames; other frames (device acks) are kept in
    `replies` (bounded) for whoever sent a command."""

    protocol = PROTOCOL

    def __init__(self, port: str, plan: AddressPlan | None = None, *, max_len: int = MAX_LEN,
                 replies: int = 64) -> None:
        self.port = port
        self.plan = plan or AddressPlan()
        self.decoder = Ft12Decoder(max_len)
        self.stats = self.decoder.stats  # one Counter: framing and addressing errors together
        self.unknown_addresses: Counter[int] = Counter()  # at most 256 keys
        self.replies: deque[Frame] = deque(maxlen=replies)

    def buffered(self) -> int:
        return self.decoder.buffered()

    def reset(self) -> None:
        self.decoder.reset()

    def feed(self, data: bytes, now: float = 0.0) -> list[PanelPress]:
        presses: list[PanelPress] = []
        for frame in self.decoder.feed(data):
            press = self._press(frame, now)
            if press is not None:
                presses.append(press)
        self.stats["presses"] += len(presses)
        return presses

    def _press(self, frame: Frame, now: float) -> PanelPress | None:
        if frame.func != FUNC_KEY:
            self.stats["other_frames"] += 1
            self.replies.append(frame)
            return None
        # A key frame that passed the checksum but makes no sense: the 8-bit sum missed an error
        # (docs/serial-panels.md, "What the FT1.2 checksum cannot see"), or a device misbehaves.
        if len(frame.data) != 1:
            self.stats["bad_key"] += 1
            self.stats["suspicious_frames"] += 1
            return None
        kind = self.plan.kind_of(frame.address)
        if kind is None:
            self.stats["unknown_address"] += 1
            self.stats["suspicious_frames"] += 1
            self.unknown_addresses[frame.address] += 1
            return None
        key = frame.data[0]
        if kind == "caller" and key > MAX_CALLER_KEY:
            self.stats["bad_key"] += 1
            self.stats["suspicious_frames"] += 1
            return None
        return PanelPress(self.port, PROTOCOL, frame.address, key, kind, now)
