"""Scanner input for the dossier look-up: serial/USB-CDC line scanners and keyboard-mode
(HID) scanners read through evdev, behind one supervisor per scanner.

Layers, as in devices/serial: a link owns the port (devices.serial.StreamLink for serial,
hid.EvdevLink for evdev), a pure LineFramer turns bytes into `Scan`s (max length, timeout
for partial codes, repeat guard), and a ScannerSupervisor thread (the panels' supervisor)
reopens the port after an unplug and reports health as device "scanner:<name>".

`on_scan` is called on the supervisor's thread: hand the Scan to the UI thread (the lobby does
it with Kivy's Clock) and look it up on a worker, never on the port thread or the UI thread.
"""
from __future__ import annotations

from typing import Callable

from devices.serial.supervisor import Backoff, Link, PanelSupervisor
from kiosk.ports import HealthSink

from .framing import LineFramer, Scan
from .hid import EvdevLink, KeyDecoder, evdev_available

ScanSink = Callable[[Scan], None]

__all__ = ["EvdevLink", "KeyDecoder", "LineFramer", "Scan", "ScanSink", "ScannerSupervisor", "evdev_available",
           "open_scanner"]


class ScannerSupervisor(PanelSupervisor[Scan]):
    """The panels' supervisor (open, read, deliver; close, back off, reopen) for a scanner."""

    @property
    def device(self) -> str:
        return f"scanner:{self.name}"


def open_scanner(settings, on_scan: ScanSink, *, health: HealthSink | None = None, name: str = "lobby",
                 backoff: Backoff = Backoff(), start: bool = True) -> ScannerSupervisor | None:
    """The supervisor for kiosk.contract.config.ScannerSettings (None for kind "none"), started."""
    if settings.kind == "none":
        return None
    framer = LineFramer(settings.port, max_length=settings.max_length, timeout_s=settings.timeout_s,
                        repeat_guard_s=settings.repeat_guard_s)
    link: Link[Scan]
    if settings.kind == "serial":
        from devices.serial.transport import StreamLink
        link = StreamLink(settings.port, framer, baudrate=settings.baudrate)
    elif settings.kind == "evdev":
        link = EvdevLink(settings.port, framer)
    else:
        raise ValueError(f"unknown scanner kind {settings.kind!r}")
    supervisor = ScannerSupervisor(name, link, on_scan, health=health, backoff=backoff)
    if start:
        supervisor.start()
    return supervisor
