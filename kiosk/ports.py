"""Interfaces the core expects from devices. devices/ implements them; the core never imports devices/."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Callable, Iterable, Protocol


class HealthState(str, enum.Enum):
    OK = "ok"
    DEGRADED = "degraded"  # works, but not fully (e.g. paper low, no audio output: speech written to file)
    FAILED = "failed"      # does not work now (printer offline, port unplugged)
    UNKNOWN = "unknown"    # the device did not answer; never read as OK


@dataclass(frozen=True)
class HealthReport:
    device: str          # "printer", "speech", "panel:/dev/ttyUSB0", "scanner", ...
    state: HealthState
    detail: str = ""     # short, technician-facing English text; never personal data


HealthSink = Callable[[HealthReport], None]


@dataclass(frozen=True)
class TicketPrintout:
    """Everything printed on a ticket, already translated: the printer renders, it does not decide."""
    header: str                      # centre name
    number: str                      # "A023"
    service: str                     # service area name
    lines: tuple[str, ...] = ()      # detail lines: people ahead, estimated wait, priority group, time
    qr_payload: str = ""
    footer: str = ""
    qr_caption: tuple[str, ...] = ()  # what the QR is for, then its short URL (printed above the QR)


class PrinterStatus(str, enum.Enum):
    OK = "ok"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    OFFLINE = "offline"
    UNKNOWN = "unknown"  # no answer to DLE EOT: never assume paper is fine


@dataclass(frozen=True)
class PrintResult:
    ok: bool
    status: PrinterStatus = PrinterStatus.UNKNOWN
    message: str = ""    # technician-facing reason on failure


class TicketPrinter(Protocol):
    def print_ticket(self, ticket: TicketPrintout) -> PrintResult: ...
    def status(self) -> PrinterStatus: ...
    def close(self) -> None: ...


class Speaker(Protocol):
    def say(self, text: str, language: str = "vi") -> None:
        """Queue text to be spoken; returns at once, never blocks the caller."""
    def close(self) -> None: ...


@dataclass(frozen=True)
class PanelPress:
    """A button pressed on a serial panel (rating evaluator or caller keypad)."""
    port: str            # transport name, e.g. /dev/serial/by-id/... or pty path
    protocol: str        # a kiosk.contract.config.PanelProtocol: "ft12", "ascii", "modbus"
    address: int | None  # bus address, None for keypads (kiosk.contract.config.KEYPAD_PROTOCOLS)
    key: int             # raw key/button number as the device reports it
    kind: str = "evaluator"  # "evaluator" | "caller"
    received_at: float = field(default=0.0)  # time.monotonic() at decode


EVALUATOR_OFFSET = 0x80  # public panel convention: evaluator address = caller address + 0x80


def convention_addresses(counters: Iterable[int]) -> tuple[dict[int, int], dict[int, int]]:
    """(callers, evaluators), bus address -> counter, by the public convention: caller address =
    counter number, evaluator address = counter number + 0x80. Counters >= 0x80 have no
    conventional address."""
    numbers = sorted({n for n in counters if 0 < n < EVALUATOR_OFFSET})
    return {n: n for n in numbers}, {n + EVALUATOR_OFFSET: n for n in numbers}
