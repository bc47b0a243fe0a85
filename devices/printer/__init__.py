"""Thermal ticket printer: rendering (render), ESC/POS over python-escpos transports
(escpos_printer, transport), a PNG preview printer, a network simulator, and open_printer()."""
from .escpos_printer import EscposTicketPrinter, build_job, paper_width, ticket_bytes
from .factory import KINDS, open_printer
from .preview import PreviewTicketPrinter
from .render import render_qr, render_ticket_preview, render_ticket_text
from .simulator import PrinterSimulator, SimState, run_printer_simulator

__all__ = [
    "KINDS", "EscposTicketPrinter", "PreviewTicketPrinter", "PrinterSimulator", "SimState",
    "build_job", "open_printer", "paper_width", "render_qr", "render_ticket_preview",
    "render_ticket_text", "run_printer_simulator", "ticket_bytes",
]
