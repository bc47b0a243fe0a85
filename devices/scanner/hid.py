"""Keyboard-mode (USB HID "keyboard wedge") scanners, read through Linux evdev with a grab.

A HID scanner types each code as key presses followed by Enter. Read as a keyboard, its
keystrokes would land in whatever the UI has focused; `EvdevLink` opens its own
/dev/input/event* node and grabs it (EVIOCGRAB), so only the kiosk's scanner reader sees them.

* `KeyDecoder` (pure, no evdev import): key codes + shift state -> bytes of a US-layout
  keyboard (the layout scanners emulate by default), Enter/Tab -> CR. A key it cannot map
  becomes SUB (0x1A), so the payload is refused as unreadable instead of silently altered.
* `EvdevLink`: the link a ScannerSupervisor runs (open/poll/close, reopen after an unplug).
  It needs the optional `python-evdev` package (`pip install evdev`, builds against the kernel
  headers); without it `open()` raises and the supervisor reports the scanner as failed.
  The process needs read access to the node (the `input` group, or a udev rule).

This path cannot be tested here without /dev/input; the decoder is tested with recorded codes.
"""
from __future__ import annotations

import os
import select
import time
from collections import Counter

from .framing import LineFramer, Scan

EV_KEY = 1
KEY_UP, KEY_DOWN, KEY_REPEAT = 0, 1, 2
SUB = 0x1A

# Linux input-event-codes.h (a stable kernel ABI), US layout: code -> (plain, shifted).
_ROW_KEYS = {2: ("1", "!"), 3: ("2", "@"), 4: ("3", "#"), 5: ("4", "$"), 6: ("5", "%"), 7: ("6", "^"),
             8: ("7", "&"), 9: ("8", "*"), 10: ("9", "("), 11: ("0", ")"), 12: ("-", "_"), 13: ("=", "+"),
             26: ("[", "{"), 27: ("]", "}"), 39: (";", ":"), 40: ("'", '"'), 41: ("`", "~"), 43: ("\\", "|"),
             51: (",", "<"), 52: (".", ">"), 53: ("/", "?"), 57: (" ", " ")}
_LETTERS = dict(zip((16, 17, 18, 19, 20, 21, 22, 23, 24, 25,      # Q W E R T Y U I O P
                     30, 31, 32, 33, 34, 35, 36, 37, 38,          # A S D F G H J K L
                     44, 45, 46, 47, 48, 49, 50),                 # Z X C V B N M
                    "qwertyuiopasdfghjklzxcvbnm", strict=True))
_KEYPAD = {71: "7", 72: "8", 73: "9", 74: "-", 75: "4", 76: "5", 77: "6", 78: "+", 79: "1", 80: "2",
           81: "3", 82: "0", 83: ".", 55: "*", 98: "/"}
KEY_TAB, KEY_ENTER, KEY_KPENTER = 15, 28, 96
KEY_LEFTSHIFT, KEY_RIGHTSHIFT, KEY_CAPSLOCK = 42, 54, 58
_SHIFTS = (KEY_LEFTSHIFT, KEY_RIGHTSHIFT)
_IGNORED = frozenset({29, 97, 56, 100, 125, 126, 69, 70})  # ctrl, alt, meta, num/scroll lock


class KeyDecoder:
    """Key events -> bytes for a LineFramer. Pure: feed it (code, value) pairs."""

    def __init__(self) -> None:
        self.shift = 0
        self.caps = False
        self.stats: Counter[str] = Counter()

    def key(self, code: int, value: int) -> bytes:
        if code in _SHIFTS:
            self.shift = max(0, self.shift + (1 if value == KEY_DOWN else -1 if value == KEY_UP else 0))
            return b""
        if value != KEY_DOWN:
            return b""  # releases and autorepeat carry no new character
        if code == KEY_CAPSLOCK:
            self.caps = not self.caps
            return b""
        if code in (KEY_ENTER, KEY_KPENTER, KEY_TAB):
            return b"\r"
        if code in _LETTERS:
            upper = bool(self.shift) != self.caps
            ch = _LETTERS[code]
            return (ch.upper() if upper else ch).encode()
        if code in _ROW_KEYS:
            return _ROW_KEYS[code][1 if self.shift else 0].encode()
        if code in _KEYPAD:
            return _KEYPAD[code].encode()
        if code in _IGNORED:
            return b""
        self.stats["unmapped_keys"] += 1
        return bytes([SUB])

    def reset(self) -> None:
        self.shift = 0
        self.caps = False


def evdev_available() -> bool:
    try:
        import evdev  # noqa: F401
    except ImportError:
        return False
    return True


class EvdevLink:
    """A grabbed evdev keyboard node feeding a LineFramer. Owned by one supervisor thread."""

    writable = False  # a scanner is read-only

    def __init__(self, path: str, framer: LineFramer) -> None:
        self.path = path
        self.framer = framer
        self.decoder = KeyDecoder()
        self._dev = None
        self.bytes_in = 0

    @property
    def description(self) -> str:
        return f"evdev {self.path}"

    def open(self) -> None:
        try:
            import evdev
        except ImportError:
            raise OSError("python-evdev is not installed (pip install evdev)") from None
        if not os.path.exists(self.path):
            raise OSError(f"no such input device: {self.path}")
        dev = evdev.InputDevice(self.path)
        try:
            dev.grab()  # exclusive: the scanner's keystrokes never reach the UI or a console
        except OSError:
            dev.close()
            raise
        self._dev = dev
        self.decoder.reset()
        self.framer.reset()

    def poll(self) -> list[Scan]:
        dev = self._dev
        if dev is None:
            raise OSError("input device not open")
        ready, _, _ = select.select([dev.fd], [], [], 0.05)
        if not ready:
            return []
        data = bytearray()
        for event in dev.read():  # OSError (ENODEV) when unplugged: the supervisor reopens
            if event.type == EV_KEY:
                data += self.decoder.key(event.code, event.value)
        if not data:
            return []
        self.bytes_in += len(data)
        return self.framer.feed(bytes(data), time.monotonic())

    def write(self, data: bytes) -> None:
        raise OSError("a scanner is read-only")

    def close(self) -> None:
        dev, self._dev = self._dev, None
        if dev is None:
            return
        try:
            dev.ungrab()
        except OSError:
            pass
        try:
            dev.close()
        except OSError:
            pass
