"""Builds the configured ticket printer. Never raises for a missing printer: it returns one whose
prints fail cleanly (and that retries opening on each print)."""
from __future__ import annotations

import tempfile
from pathlib import Path

from escpos.escpos import Escpos
from escpos.printer import Dummy, File, Network

from kiosk.ports import HealthSink, TicketPrinter

from .escpos_printer import EscposTicketPrinter
from .preview import PreviewTicketPrinter
from .render import DEFAULT_WIDTH
from .transport import SerialPrinter, UsbPrinter

KINDS = ("serial", "usb", "network", "file", "preview", "dummy")


def open_printer(kind: str, *, device: str | None = None, baudrate: int = 115200,
                 host: str | None = None, port: int = 9100, usb_vendor: int | None = None,
                 usb_product: int | None = None, path: str | None = None, profile: str = "TM-T88V",
                 preview_dir: str | None = None, native_qr: bool = True, timeout: float = 2.0,
                 on_health: HealthSink | None = None) -> TicketPrinter:
    """Return a TicketPrinter for `kind`; tries to open it once, blocking at most ~`timeout` s.

    Raises ValueError only for a configuration mistake (unknown kind, missing device/host/path):
    that must be loud at start-up, unlike an unplugged printer.
    """
    if kind == "preview":
        folder = Path(preview_dir) if preview_dir else Path(tempfile.gettempdir()) / "kiosk-printer-preview"
        return PreviewTicketPrinter(folder, width=DEFAULT_WIDTH, on_health=on_health)
    escpos_printer = _transport(kind, device=device, baudrate=baudrate, host=host, port=port,
                                usb_vendor=usb_vendor, usb_product=usb_product, path=path,
                                profile=profile, timeout=timeout)
    printer = EscposTicketPrinter(escpos_printer, native_qr=native_qr, on_health=on_health, timeout=timeout)
    printer.try_open()  # failure is reported to on_health; the next print retries
    return printer


def _transport(kind: str, *, device: str | None, baudrate: int, host: str | None, port: int,
               usb_vendor: int | None, usb_product: int | None, path: str | None, profile: str,
               timeout: float) -> Escpos:
    # Only constructors here: none of them touches the hardware (python-escpos opens lazily).
    if kind == "serial":
        if not device:
            raise ValueError("printer kind 'serial' needs device (e.g. /dev/serial/by-id/...)")
        return SerialPrinter(devfile=device, baudrate=baudrate, timeout=timeout, profile=profile)
    if kind == "usb":
        if usb_vendor is None or usb_product is None:
            raise ValueError("printer kind 'usb' needs usb_vendor and usb_product")
        return UsbPrinter(usb_vendor, usb_product, timeout=int(timeout * 1000), profile=profile)
    if kind == "network":
        if not host:
            raise ValueError("printer kind 'network' needs host")
        return Network(host=host, port=port, timeout=timeout, profile=profile)
    if kind == "file":
        if not path:
            raise ValueError("printer kind 'file' needs path (e.g. /dev/usb/lp0)")
        return File(devfile=path, profile=profile)
    if kind == "dummy":
        return Dummy(profile=profile)
    raise ValueError(f"unknown printer kind {kind!r}; expected one of {', '.join(KINDS)}")
