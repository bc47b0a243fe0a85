"""ASCII keypads: one printable character per key press, optional CR/LF after it.

Cheap USB keypads and many DIY rating boxes send '1', '2', '3'. There is no frame, so there is
nothing to resynchronise: every byte is either a key, a line ending or garbage.
"""
from __future__ import annotations

from collections import Counter

from kiosk.ports import PanelPress

PROTOCOL = "ascii"
_DIGITS = range(0x30, 0x3A)       # '0'..'9' -> 0..9
_UPPER = range(0x41, 0x5B)        # 'A'..'Z' -> 10..35, so 'A'..'F' match caller codes 0x0A..0x0F
_LOWER = range(0x61, 0x7B)        # 'a'..'z' read as upper case: keypads differ, the key does not
_LINE_ENDINGS = (0x0D, 0x0A)


def key_of(byte: int, letters: bool = True) -> int | None:
    if byte in _DIGITS:
        return byte - 0x30
    if letters and byte in _UPPER:
        return byte - 0x41 + 10
    if letters and byte in _LOWER:
        return byte - 0x61 + 10
    return None


def encode_key(key: int) -> bytes:
    """The byte a keypad sends for `key` (0..35); used by the simulator and tests."""
    if 0 <= key <= 9:
        return bytes([0x30 + key])
    if 10 <= key <= 35:
        return bytes([0x41 + key - 10])
    raise ValueError(f"ascii key out of range: {key}")


class AsciiFramer:
    protocol = PROTOCOL

    def __init__(self, port: str, *, kind: str = "evaluator", letters: bool = True) -> None:
        self.port = port
        self.kind = kind
        self.letters = letters
        self.stats: Counter[str] = Counter()

    def feed(self, data: bytes, now: float = 0.0) -> list[PanelPress]:
        presses: list[PanelPress] = []
        for byte in data:
            key = key_of(byte, self.letters)
            if key is not None:
                presses.append(PanelPress(self.port, PROTOCOL, None, key, self.kind, now))
            elif byte not in _LINE_ENDINGS:
                self.stats["garbage_bytes"] += 1
        self.stats["presses"] += len(presses)
        return presses

    def buffered(self) -> int:
        return 0  # stateless: nothing is ever held back

    def reset(self) -> None:
        pass
