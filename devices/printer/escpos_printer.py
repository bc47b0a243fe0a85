"""ESC/POS ticket printer: builds a ticket job (raster text + QR + cut) and sends it over any
python-escpos transport, reporting health instead of raising."""
from __future__ import annotations

import copy
import threading
from typing import Any

from escpos.capabilities import BaseProfile, get_profile
from escpos.constants import QR_ECLEVEL_M
from escpos.escpos import Escpos
from escpos.printer import Dummy
from qrcode.exceptions import DataOverflowError

from kiosk.health import HealthReporter
from kiosk.ports import HealthSink, HealthState, PrinterStatus, PrintResult, TicketPrintout

from . import transport
from .render import DEFAULT_WIDTH, qr_module_size, render_qr, render_ticket_text

MAX_WIDTH = 576   # widest common 80 mm head (203 dpi); nothing we support prints wider
MIN_WIDTH = 256


def _profile(profile: BaseProfile | str | None) -> BaseProfile:
    # get_profile() only passes through user-made Profile objects, not named ones.
    return profile if isinstance(profile, BaseProfile) else get_profile(profile)


def _dummy(profile: BaseProfile) -> Dummy:
    out = Dummy()
    out.profile = profile
    return out


def paper_width(profile: BaseProfile | str | None, override: int | None = None) -> int:
    """Printable width in dots: the profile's, else 512; an override may only narrow it.

    Sending a raster wider than the head is not clipped by every printer: some reject the
    whole image (TM-T88V refuses 576 and takes 512), so never exceed the profile.
    """
    prof = _profile(profile)
    try:
        width = int(prof.profile_data["media"]["width"]["pixels"])
    except (KeyError, TypeError, ValueError):  # "Unknown" in the default profile
        width = DEFAULT_WIDTH
    if override:
        width = min(width, override)
    width = max(MIN_WIDTH, min(MAX_WIDTH, width))
    return width - width % 8  # whole bytes per raster row


def _job_profile(profile: BaseProfile | str | None, width: int) -> BaseProfile:
    # A profile with a known width keeps python-escpos from printing a warning per image.
    prof = _profile(profile)
    media = prof.profile_data.get("media", {}).get("width", {})
    if str(media.get("pixels")).isdigit():
        return prof
    patched = copy.deepcopy(prof.profile_data)
    patched.setdefault("media", {}).setdefault("width", {})["pixels"] = width
    prof = copy.copy(prof)  # never change the caller's profile object
    prof.profile_data = patched  # instance attribute: the shared class data stays untouched
    return prof


def build_job(ticket: TicketPrintout, profile: BaseProfile | str | None = "TM-T88V", *,
              native_qr: bool = True, qr_size: int = 6, width: int | None = None) -> tuple[bytes, str]:
    """The full ESC/POS byte stream for one ticket, and a note ("" or why the QR differs)."""
    width = paper_width(profile, width)
    out = _dummy(_job_profile(profile, width))
    out.hw("INIT")  # ESC @: a clean state whatever the previous job left behind
    out.image(render_ticket_text(ticket, width), impl="bitImageRaster")
    note = ""
    if ticket.qr_payload:
        qr, note = _qr_bytes(ticket.qr_payload, out.profile, width, native_qr, qr_size)
        out._raw(qr)
    out.cut()
    return out.output, note


def _qr_bytes(payload: str, profile: BaseProfile, width: int, native: bool, size: int) -> tuple[bytes, str]:
    try:
        module = qr_module_size(payload, width, size)
    except DataOverflowError:
        return b"", "QR payload too long: ticket printed without QR"
    if native and profile.supports("qrCode"):
        part = _dummy(profile)  # separate buffer: a failure leaves no half command behind
        try:
            part.set(align="center")   # qr(center=True) raises with native=True
            part.qr(payload, native=True, size=module, ec=QR_ECLEVEL_M)
            part.set(align="left")
            return part.output, ""
        except Exception as e:
            note = f"native QR failed ({e}); printed as image"
    else:
        note = "" if not native else "profile has no native QR; printed as image"
    part = _dummy(profile)
    part.image(render_qr(payload, width, module), impl="bitImageRaster")
    return part.output, note


def ticket_bytes(ticket: TicketPrintout, profile: str = "TM-T88V", native_qr: bool = True) -> bytes:
    """Pure: the ESC/POS bytes a printer with `profile` receives for `ticket`."""
    return build_job(ticket, profile, native_qr=native_qr)[0]


class EscposTicketPrinter:
    """kiosk.ports.TicketPrinter over any python-escpos printer object.

    Blocking (network/serial I/O, status queries wait up to `status_timeout`): call it from a
    worker thread, never from the UI thread. Thread-safe: one job or query at a time.
    """

    def __init__(self, printer: Escpos, *, native_qr: bool = True, on_health: HealthSink | None = None,
                 qr_size: int = 6, paper_width: int | None = None, status_timeout: float = 0.5,
                 timeout: float = 2.0, check_status_before_print: bool = True,
                 device_name: str = "printer") -> None:
        self.printer = printer
        self.native_qr = native_qr
        self.qr_size = qr_size
        self.paper_width_override = paper_width
        self.status_timeout = status_timeout
        self.timeout = timeout
        self.check_status_before_print = check_status_before_print
        self.device_name = device_name
        # every report is sent: the lobby reports "printer" failures too
        self._report = HealthReporter(device_name, on_health, repeats="send")
        self.last_detail = ""          # technician-facing reason for the last status/print
        self._lock = threading.Lock()

    @property
    def paper_width(self) -> int:
        return paper_width(self.printer.profile, self.paper_width_override)

    # -- TicketPrinter -------------------------------------------------------------------
    def print_ticket(self, ticket: TicketPrintout) -> PrintResult:
        try:
            job, note = build_job(ticket, self.printer.profile, native_qr=self.native_qr,
                                  qr_size=self.qr_size, width=self.paper_width_override)
        except Exception as e:  # a rendering bug must not take the kiosk down
            return self._failed(PrinterStatus.UNKNOWN, f"could not build ticket: {_describe(e)}")
        with self._lock:
            try:
                status = self._open_and_check()
                if status in (PrinterStatus.PAPER_OUT, PrinterStatus.OFFLINE):
                    # Do not queue it: the printer would print it later, for nobody.
                    return self._failed(status, f"not printed: {self.last_detail}")
                if isinstance(self.printer, Dummy):
                    self.printer.clear()  # keep only the last job: a demo kiosk runs for weeks
                transport.send(self.printer, job, self.timeout)
            except Exception as e:
                transport.reset(self.printer)  # reopen on the next print
                return self._failed(PrinterStatus.OFFLINE, f"{self._where()}: {_describe(e)}")
        message = "printed" + (f"; {note}" if note else "")
        self._report(_health_state(status), f"{message}; {self.last_detail}")
        return PrintResult(ok=True, status=status, message=message)

    def status(self) -> PrinterStatus:
        with self._lock:
            try:
                transport.ensure_open(self.printer)
                status = self._query_status()
            except Exception as e:
                transport.reset(self.printer)
                self.last_detail = f"{self._where()}: {_describe(e)}"
                self._report(HealthState.FAILED, self.last_detail)
                return PrinterStatus.OFFLINE
        self._report(_health_state(status), self.last_detail)
        return status

    def close(self) -> None:
        with self._lock:
            transport.reset(self.printer)

    # -- helpers -------------------------------------------------------------------------
    def try_open(self) -> bool:
        """Open now (bounded by the transport timeout) so a dead printer shows at start-up."""
        with self._lock:
            try:
                transport.ensure_open(self.printer)
                return True
            except Exception as e:
                transport.reset(self.printer)
                self.last_detail = f"{self._where()}: {_describe(e)}"
        self._report(HealthState.FAILED, self.last_detail)
        return False

    def _open_and_check(self) -> PrinterStatus:
        # A network printer that rebooted leaves us a dead socket: the status query finds it
        # (EOF) before the ticket is lost, so reconnect once.
        for attempt in (1, 2):
            was_open = transport.is_open(self.printer)
            try:
                transport.ensure_open(self.printer)
                if not self.check_status_before_print:
                    self.last_detail = "status not checked"
                    return PrinterStatus.UNKNOWN
                return self._query_status()
            except Exception:
                transport.reset(self.printer)
                if attempt == 2 or not was_open:
                    raise
        raise AssertionError("unreachable")

    def _query_status(self) -> PrinterStatus:
        t = self.status_timeout
        try:
            paper = transport.query(self.printer, 4, t)
        except transport.StatusNotReadable:
            self.last_detail = f"{type(self.printer).__name__} transport cannot read printer status"
            return PrinterStatus.UNKNOWN
        if paper is None:
            self.last_detail = f"no answer to status query within {t:g} s"
            return PrinterStatus.UNKNOWN
        if paper & 0x60:  # roll paper end sensor
            self.last_detail = "paper out"
            return PrinterStatus.PAPER_OUT
        online = transport.query(self.printer, 1, t)
        if online is not None and online & 0x08:
            cause = transport.query(self.printer, 2, t)
            self.last_detail = "printer offline" + _offline_cause(cause)
            return PrinterStatus.OFFLINE
        if paper & 0x0C:  # near-end sensor
            self.last_detail = "paper low"
            return PrinterStatus.PAPER_LOW
        self.last_detail = "paper ok"
        return PrinterStatus.OK

    def _failed(self, status: PrinterStatus, message: str) -> PrintResult:
        self.last_detail = message
        self._report(HealthState.FAILED, message)
        return PrintResult(ok=False, status=status, message=message)

    def _where(self) -> str:
        p: Any = self.printer
        target = getattr(p, "devfile", None) or (f"{p.host}:{p.port}" if hasattr(p, "host") else "")
        return f"{type(p).__name__} {target}".strip()


def _health_state(status: PrinterStatus) -> HealthState:
    return {
        PrinterStatus.OK: HealthState.OK,
        PrinterStatus.PAPER_LOW: HealthState.DEGRADED,
        PrinterStatus.PAPER_OUT: HealthState.FAILED,
        PrinterStatus.OFFLINE: HealthState.FAILED,
    }.get(status, HealthState.UNKNOWN)


def _offline_cause(cause: int | None) -> str:
    if cause is None:
        return ""
    reasons = [text for bit, text in ((0x04, "cover open"), (0x08, "feed button held"),
                                       (0x20, "stopped at paper end"), (0x40, "error")) if cause & bit]
    return f" ({', '.join(reasons)})" if reasons else ""


def _describe(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return f"{type(e).__name__}: {text}"[:200]
