"""Finding and opening a serial port, and the byte-stream link a supervisor runs.

Ports are named by what survives a replug: USB VID:PID (+ serial number) or a
/dev/serial/by-id path. /dev/ttyUSB0 can become ttyUSB1 after an unplug, so the configured
name, not the resolved device, is what presses and health reports carry.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from typing import Callable, Generic, Iterable, TypeVar

import serial
from serial.tools import list_ports

from .framing import Framer

_VID_PID = re.compile(r"^(?:usb:)?([0-9a-fA-F]{4}):([0-9a-fA-F]{4})(?::(.+))?$")

READ_TIMEOUT = 0.05      # s; bounds stop() and send() latency
READ_CHUNK = 512         # bytes per read; the framer's own buffer stays bounded regardless
PATH_CHECK_EVERY = 1.0   # s; some USB drivers keep a vanished port "open" without errors


class PortNotFound(serial.SerialException):
    pass


@dataclass(frozen=True)
class PortSpec:
    """`usb:0403:6001`, `0403:6001:SERIALNO`, `/dev/serial/by-id/...` or a plain path."""
    text: str

    def usb_ids(self) -> tuple[int, int, str | None] | None:
        m = _VID_PID.match(self.text)
        if not m or self.text.startswith("/"):
            return None
        return int(m.group(1), 16), int(m.group(2), 16), m.group(3)


def resolve_port(spec: PortSpec | str, comports: Callable[[], Iterable] = list_ports.comports) -> str:
    """Return the device path to open now. Raises PortNotFound (a SerialException)."""
    spec = spec if isinstance(spec, PortSpec) else PortSpec(spec)
    ids = spec.usb_ids()
    if ids is None:
        if not os.path.exists(spec.text):
            raise PortNotFound(f"no such port: {spec.text}")
        return spec.text
    vid, pid, serial_number = ids
    found = sorted(
        (p for p in comports()
         if p.vid == vid and p.pid == pid and (serial_number is None or p.serial_number == serial_number)),
        key=lambda p: p.device,
    )
    if not found:
        raise PortNotFound(f"no USB serial port {spec.text}")
    if len(found) > 1:
        # Two identical adapters: picking one silently would swap counters after a replug.
        raise PortNotFound(f"{len(found)} ports match {spec.text}; add the serial number or use /dev/serial/by-id")
    return found[0].device


def open_serial(device: str, baudrate: int = 9600, timeout: float = READ_TIMEOUT) -> serial.Serial:
    # exclusive: a second kiosk process (or a stray `screen`) must not steal half the bytes.
    return serial.Serial(device, baudrate=baudrate, timeout=timeout, write_timeout=1.0, exclusive=True)


T = TypeVar("T")


class StreamLink(Generic[T]):
    """A serial port feeding a byte framer (ascii, ft12). Owned by one supervisor thread."""

    writable = True

    def __init__(self, spec: PortSpec | str, framer: Framer[T], *, baudrate: int = 9600,
                 comports: Callable[[], Iterable] = list_ports.comports,
                 opener: Callable[[str, int], serial.Serial] = open_serial) -> None:
        self.spec = spec if isinstance(spec, PortSpec) else PortSpec(spec)
        self.framer = framer
        self.baudrate = baudrate
        self._comports = comports
        self._opener = opener
        self._port: serial.Serial | None = None
        self._device = ""
        self._checked_at = 0.0
        self.bytes_in = 0
        self.bytes_out = 0

    @property
    def description(self) -> str:
        return f"{self.spec.text} -> {self._device}" if self._device else self.spec.text

    @property
    def suspicious_frames(self) -> int:
        """Frames that passed the framer's checks yet were refused for their content (ft12)."""
        stats = getattr(self.framer, "stats", None)
        return int(stats.get("suspicious_frames", 0)) if stats is not None else 0

    def open(self) -> None:
        self._device = resolve_port(self.spec, self._comports)
        self._port = self._opener(self._device, self.baudrate)
        self.framer.reset()  # half a frame from before an unplug must not glue onto new bytes
        self._checked_at = time.monotonic()

    def poll(self) -> list[T]:
        port = self._port
        if port is None:
            raise serial.SerialException("port not open")
        # read(1) blocks up to READ_TIMEOUT; then take whatever else already arrived.
        data = port.read(1)
        if data:
            waiting = port.in_waiting
            if waiting:
                data += port.read(min(waiting, READ_CHUNK))
        now = time.monotonic()
        if now - self._checked_at > PATH_CHECK_EVERY:
            self._checked_at = now
            if not os.path.exists(self._device):
                raise serial.SerialException(f"{self._device} disappeared")
        if not data:
            return []
        self.bytes_in += len(data)
        return self.framer.feed(data, now)

    def write(self, data: bytes) -> None:
        if self._port is None:
            raise serial.SerialException("port not open")
        self._port.write(data)
        self.bytes_out += len(data)

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (OSError, serial.SerialException):
                pass  # closing an unplugged port may fail; it is closed either way
