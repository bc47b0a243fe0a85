"""Transport layer: python-escpos backends plus what they lack for a kiosk.

What python-escpos lacks: bounded writes (a serial write with flow control can block forever),
reopening after a failure, and a status read that tells "no answer" from "paper adequate".
"""
from __future__ import annotations

import socket
import time
from typing import Any

import serial
from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import Dummy, File, Serial, Usb

DLE_EOT = b"\x10\x04"


class StatusNotReadable(Exception):
    """The transport is write-only (file, dummy): the printer cannot be asked anything."""


class SerialPrinter(Serial):
    """escpos Serial that opens exclusively, bounds writes, and closes without draining.

    Draining (tcdrain) on close hangs when the printer holds flow control, e.g. unplugged.
    """
    _device: Any  # escpos keeps the open serial.Serial here (False when closed)

    def open(self, raise_not_found: bool = True) -> None:
        if self._device:
            self.close()
        try:
            self.device = serial.Serial(
                port=self.devfile, baudrate=self.baudrate, bytesize=self.bytesize,
                parity=self.parity, stopbits=self.stopbits, timeout=self.timeout,
                xonxoff=self.xonxoff, dsrdtr=self.dsrdtr, write_timeout=self.timeout,
                exclusive=True,  # a second process writing the same port garbles tickets
            )
        except (ValueError, OSError, serial.SerialException) as e:
            self.device = None
            if raise_not_found:
                raise DeviceNotFoundError(f"Unable to open serial printer on {self.devfile}: {e}") from e

    def close(self) -> None:
        dev, self._device = self._device, False
        if dev and dev.is_open:
            try:
                dev.reset_output_buffer()
            finally:
                dev.close()


class UsbPrinter(Usb):
    """escpos Usb whose open explains the missing pyusb and whose close never raises (it runs in __del__)."""

    def open(self, raise_not_found: bool = True) -> None:
        if not Usb.is_usable():
            raise DeviceNotFoundError(
                "USB backend needs the 'pyusb' package, which is not installed; "
                "or use kind 'file' with path /dev/usb/lp0 (Linux usblp driver)")
        super().open(raise_not_found)

    def close(self) -> None:
        try:
            super().close()
        except Exception:
            self._device = False


def is_open(printer: Escpos) -> bool:
    if isinstance(printer, Dummy):  # a memory buffer: always "open", open() does nothing
        return True
    return bool(getattr(printer, "_device", False))


def ensure_open(printer: Escpos) -> None:
    """Open the transport if it is not open; raises DeviceNotFoundError (or similar) when it cannot."""
    if not is_open(printer):
        printer.open()
        if not is_open(printer):
            raise DeviceNotFoundError(f"{type(printer).__name__} did not open")


def reset(printer: Escpos) -> None:
    """Close after a failure so the next use reopens.

    python-escpos only reopens lazily when `_device is False`; a failed open leaves it None.
    """
    try:
        printer.close()
    except Exception:
        pass
    if not isinstance(printer, Dummy):
        printer._device = False


def send(printer: Escpos, data: bytes, timeout: float) -> None:
    """Write one whole job, bounded in time."""
    dev = None if isinstance(printer, Dummy) else printer.device
    if isinstance(dev, socket.socket):
        # Printers take data at print speed once their buffer is full: allow for that.
        dev.settimeout(max(timeout, 10.0))
        dev.sendall(data)
    elif isinstance(dev, serial.Serial):
        seconds_on_wire = len(data) * 10 / max(dev.baudrate, 1)
        dev.write_timeout = timeout + 2 * seconds_on_wire
        dev.write(data)
    else:
        printer._raw(data)  # python-escpos' transport hook (file, usb, dummy)


def can_read(printer: Escpos) -> bool:
    return not isinstance(printer, (Dummy, File))


def query(printer: Escpos, n: int, timeout: float) -> int | None:
    """Send DLE EOT n and return the status byte, or None when nothing valid answers in `timeout`.

    Raises StatusNotReadable on write-only transports, OSError/SerialException on a broken link.
    python-escpos' paper_status() reports "adequate" on silence; this never guesses.
    """
    if not can_read(printer):
        raise StatusNotReadable(type(printer).__name__)
    dev = printer.device
    if isinstance(dev, socket.socket):
        return _query_socket(dev, n, timeout)
    if isinstance(dev, serial.Serial):
        return _query_serial(dev, n, timeout)
    try:  # other backends (USB): their own _read, which may or may not time out
        answer = printer.query_status(DLE_EOT + bytes((n,)))
    except NotImplementedError as e:
        raise StatusNotReadable(type(printer).__name__) from e
    return next((b for b in answer if _valid(b)), None)


def _valid(b: int) -> bool:
    # Every DLE EOT answer has bits 1 and 4 set, bits 0 and 7 clear; anything else is stale noise.
    return b & 0x93 == 0x12


def _query_socket(sock: socket.socket, n: int, timeout: float) -> int | None:
    previous = sock.gettimeout()
    try:
        sock.setblocking(False)
        try:  # drop late answers to earlier queries
            while True:
                if not sock.recv(4096):
                    raise ConnectionError("printer closed the connection")
        except (BlockingIOError, InterruptedError):
            pass
        sock.settimeout(timeout)
        sock.sendall(DLE_EOT + bytes((n,)))
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            try:
                chunk = sock.recv(16)
            except (socket.timeout, TimeoutError):
                return None
            if not chunk:
                raise ConnectionError("printer closed the connection")
            for b in chunk:
                if _valid(b):
                    return b
        return None
    finally:
        sock.settimeout(previous)


def _query_serial(dev: serial.Serial, n: int, timeout: float) -> int | None:
    previous = dev.timeout
    try:
        dev.reset_input_buffer()  # drop late answers to earlier queries
        dev.write(DLE_EOT + bytes((n,)))
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            dev.timeout = left
            chunk = dev.read(1)
            if chunk and _valid(chunk[0]):
                return chunk[0]
        return None
    finally:
        dev.timeout = previous
