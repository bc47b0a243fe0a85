"""Simulated printer: each ticket becomes a PNG file (demo kiosks, screenshots, CI)."""
from __future__ import annotations

import re
import threading
import time
from pathlib import Path

from kiosk.health import HealthReporter
from kiosk.ports import HealthSink, HealthState, PrinterStatus, PrintResult, TicketPrintout

from .render import DEFAULT_WIDTH, render_ticket_preview


class PreviewTicketPrinter:
    """kiosk.ports.TicketPrinter writing `<folder>/ticket-<time>-<number>.png`; the path is in
    PrintResult.message and `last_path`."""

    def __init__(self, folder: str | Path, *, width: int = DEFAULT_WIDTH, qr_size: int = 6,
                 on_health: HealthSink | None = None, device_name: str = "printer") -> None:
        self.folder = Path(folder)
        self.width = width
        self.qr_size = qr_size
        self.device_name = device_name
        # every report is sent: the lobby reports "printer" failures too
        self._report = HealthReporter(device_name, on_health, repeats="send")
        self.last_path: Path | None = None
        self._lock = threading.Lock()
        self._seq = 0

    def print_ticket(self, ticket: TicketPrintout) -> PrintResult:
        try:
            image = render_ticket_preview(ticket, self.width, self.qr_size)
            with self._lock:
                self._seq += 1  # two tickets in the same millisecond must not overwrite each other
                safe = re.sub(r"[^0-9A-Za-z_-]", "_", ticket.number)[:20] or "ticket"
                name = f"ticket-{time.strftime('%Y%m%d-%H%M%S')}-{self._seq:04d}-{safe}.png"
                self.folder.mkdir(parents=True, exist_ok=True)
                path = self.folder / name
                image.save(path)
                self.last_path = path
        except Exception as e:
            message = f"preview printer could not write to {self.folder}: {type(e).__name__}: {e}"
            self._report(HealthState.FAILED, message)
            return PrintResult(ok=False, status=PrinterStatus.OFFLINE, message=message)
        self._report(HealthState.OK, f"preview written to {self.folder}")
        return PrintResult(ok=True, status=PrinterStatus.OK, message=str(path))

    def status(self) -> PrinterStatus:
        # A folder has no paper sensor; it is "ok" as long as we can write there.
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            writable = self.folder.is_dir()
        except OSError:
            writable = False
        return PrinterStatus.OK if writable else PrinterStatus.OFFLINE

    def close(self) -> None:
        pass
