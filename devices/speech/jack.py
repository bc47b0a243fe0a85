"""Is a headphone plugged into the kiosk's jack? (voice mode starts by itself when one is: issue 15)

Two readers of the same fact, both polled off the UI thread by JackWatcher:
- AmixerJack: the ALSA "Headphone Jack" control (`amixer -c CARD cget iface=CARD,name='Headphone
  Jack'` prints `: values=on`); any codec driver with jack detection exposes it.
- EvdevJack: SW_HEADPHONE_INSERT switch events of an input device (/dev/input/by-path/...-event),
  read without blocking; its starting state comes from the EVIOCGSW ioctl where the file is one.
A reader answers True / False, or None when it cannot tell (no amixer, no card, no device): the
kiosk then behaves as without a jack. Config: speech.headphone_jack (docs/speech.md).
"""
from __future__ import annotations

import errno
import fcntl
import logging
import os
import re
import struct
import subprocess
import threading
from typing import Callable, Protocol

log = logging.getLogger(__name__)

EV_SW = 0x05
SW_HEADPHONE_INSERT = 0x02
_EVENT = struct.Struct("llHHi")  # struct input_event: timeval (2 longs), type, code, value
_SW_MAX = 0x10
_EVIOCGSW = (2 << 30) | ((_SW_MAX // 8 + 1) << 16) | (ord("E") << 8) | 0x1B  # _IOR('E', 0x1b, len)
_VALUES = re.compile(r":\s*values=(on|off)\b")


class JackReader(Protocol):
    def read(self) -> bool | None:
        """True: a headphone is plugged in; None: unknown. May take up to a second."""

    def close(self) -> None: ...


class AmixerJack:
    """The ALSA jack control through the amixer program (alsa-utils)."""

    def __init__(self, card: str | None = None, control: str = "Headphone Jack", program: str = "amixer",
                 timeout_s: float = 2.0) -> None:
        self.command = [program, *(("-c", card) if card else ()), "cget", f"iface=CARD,name={control}"]
        self.timeout_s = timeout_s
        self._warned = False

    def read(self) -> bool | None:
        try:
            out = subprocess.run(self.command, capture_output=True, text=True, timeout=self.timeout_s, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            self._warn(f"{type(exc).__name__}: {exc}")
            return None
        found = _VALUES.search(out.stdout)
        if out.returncode != 0 or found is None:
            self._warn(f"exit {out.returncode}: {out.stderr.strip()[:200]}")
            return None
        return found.group(1) == "on"

    def _warn(self, why: str) -> None:
        if not self._warned:  # once: it is polled every second
            self._warned = True
            log.warning("headphone jack: cannot read %s (%s)", " ".join(self.command), why)

    def close(self) -> None:
        pass


class EvdevJack:
    """SW_HEADPHONE_INSERT events of an input device (or any file or FIFO carrying input_event records)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None
        self._state: bool | None = None
        self._partial = b""

    def _open(self) -> int | None:
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
            except OSError as exc:
                log.warning("headphone jack: cannot open %s: %s", self.path, exc)
                return None
            self._state = self._initial(self._fd)
        return self._fd

    @staticmethod
    def _initial(fd: int) -> bool | None:
        buf = bytearray(_SW_MAX // 8 + 1)
        try:
            fcntl.ioctl(fd, _EVIOCGSW, buf)
        except OSError:
            return None  # not an input device (a FIFO in tests): known at the first event
        return bool(buf[SW_HEADPHONE_INSERT // 8] & (1 << (SW_HEADPHONE_INSERT % 8)))

    def read(self) -> bool | None:
        fd = self._open()
        if fd is None:
            return None
        while True:
            try:
                data = os.read(fd, _EVENT.size * 64)
            except OSError as exc:
                if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                    break
                log.warning("headphone jack: %s: %s", self.path, exc)
                self.close()  # unplugged device: opened again at the next poll
                return None
            if not data:
                break
            data = self._partial + data
            whole = len(data) - len(data) % _EVENT.size
            self._partial = data[whole:]
            for _s, _us, kind, code, value in _EVENT.iter_unpack(data[:whole]):
                if kind == EV_SW and code == SW_HEADPHONE_INSERT:
                    self._state = bool(value)
        return self._state

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


def jack_event(plugged: bool) -> bytes:
    """One SW_HEADPHONE_INSERT record as the kernel writes it (simulators and tests)."""
    return _EVENT.pack(0, 0, EV_SW, SW_HEADPHONE_INSERT, int(plugged))


class JackWatcher:
    """Polls a reader on its own thread; on_change(plugged) when the known state changes (the
    first known state counts only when plugged: a kiosk starting without headphones says nothing)."""

    def __init__(self, reader: JackReader, on_change: Callable[[bool], None], interval_s: float = 1.0) -> None:
        self.reader, self.on_change, self.interval_s = reader, on_change, interval_s
        self.state: bool | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="headphone-jack", daemon=True)

    def start(self) -> "JackWatcher":
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                now = self.reader.read()
            except Exception as exc:  # noqa: BLE001 - a broken reader must not end the watch
                log.warning("headphone jack: %s", type(exc).__name__)
                now = None
            if now is not None and now != self.state:
                first, self.state = self.state is None, now
                if now or not first:
                    self.on_change(now)
            self._stop.wait(self.interval_s)

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self.reader.close()


def build_jack_reader(kind: str, device: str | None, control: str) -> JackReader | None:
    """speech.headphone_jack: "off" (None), "amixer" (device: the card) or "evdev" (device: the event file)."""
    if kind == "amixer":
        return AmixerJack(card=device, control=control)
    if kind == "evdev" and device:
        return EvdevJack(device)
    return None
