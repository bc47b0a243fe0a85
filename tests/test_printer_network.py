"""Printing over real loopback TCP to the printer simulator, and over a real pty as serial port."""
from __future__ import annotations

import os
import socket
import threading
import time

import pytest

from devices.printer import PrinterSimulator, open_printer, ticket_bytes
from devices.printer.render import render_ticket_text
from devices.printer.simulator import SimState, status_byte
from devices.printer.stream import StreamReader, decode
from devices.printer.transport import SerialPrinter
from devices.printer.escpos_printer import EscposTicketPrinter
from kiosk.ports import HealthState, PrinterStatus, TicketPrintout
from tests.waiting import wait_until

TICKET = TicketPrintout(
    header="Trung tâm Phục vụ hành chính công tỉnh Cà Mau",
    number="A023",
    service="Tư pháp - Hộ tịch",
    lines=("Số người đang chờ trước bạn: 3", "08:45 — 23/11/2026"),
    qr_payload="https://dichvucong.camau.gov.vn/tra-cuu?so=A023",
    footer="Vui lòng chờ gọi số. Xin cảm ơn!",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_print_reaches_the_network_simulator():
    health = []
    with PrinterSimulator(state="ok") as sim:
        printer = open_printer("network", host=sim.host, port=sim.port, on_health=health.append)
        result = printer.print_ticket(TICKET)
        assert result.ok and result.status is PrinterStatus.OK, result.message
        assert sim.wait_for(lambda s: len(s.jobs) == 1)
        printer.close()
        job = sim.jobs[0]
        assert job.cut and job.qr_payloads == [TICKET.qr_payload]
        assert job.images[0].tobytes() == render_ticket_text(TICKET).tobytes()
        # the ticket bytes arrived whole, after the status queries
        assert ticket_bytes(TICKET) in sim.received
        assert sim.queries[:2] == [4, 1]
    assert health[-1].state is HealthState.OK


@pytest.mark.parametrize("state, expected, health_state", [
    ("ok", PrinterStatus.OK, HealthState.OK),
    ("low", PrinterStatus.PAPER_LOW, HealthState.DEGRADED),
    ("out", PrinterStatus.PAPER_OUT, HealthState.FAILED),
    ("cover_open", PrinterStatus.OFFLINE, HealthState.FAILED),
])
def test_status_follows_the_printer_answer(state, expected, health_state):
    health = []
    with PrinterSimulator(state=state) as sim:
        printer = open_printer("network", host=sim.host, port=sim.port, on_health=health.append)
        assert printer.status() is expected
        assert health[-1].state is health_state
        printer.close()


def test_silent_printer_is_unknown_never_ok():
    health = []
    with PrinterSimulator(state="silent") as sim:
        printer = EscposTicketPrinter(
            open_printer("network", host=sim.host, port=sim.port).printer,
            status_timeout=0.2, on_health=health.append)
        t0 = time.monotonic()
        assert printer.status() is PrinterStatus.UNKNOWN
        assert time.monotonic() - t0 < 1.0
        assert health[-1].state is HealthState.UNKNOWN
        # it still prints (we cannot know it is out of paper), but says status is unknown
        result = printer.print_ticket(TICKET)
        assert result.ok and result.status is PrinterStatus.UNKNOWN
        assert sim.wait_for(lambda s: len(s.jobs) == 1)
        printer.close()


def test_paper_out_does_not_send_the_ticket():
    with PrinterSimulator(state="out") as sim:
        printer = open_printer("network", host=sim.host, port=sim.port)
        result = printer.print_ticket(TICKET)
        assert not result.ok and result.status is PrinterStatus.PAPER_OUT
        assert "paper out" in result.message
        sim.state = SimState.LOW                      # technician loads a roll (near end)
        result = printer.print_ticket(TICKET)
        assert result.ok and result.status is PrinterStatus.PAPER_LOW
        assert sim.wait_for(lambda s: len(s.jobs) == 1)
        printer.close()


def test_unreachable_printer_fails_cleanly_and_reconnects_later():
    port = free_port()  # nothing listens here
    health = []
    t0 = time.monotonic()
    printer = open_printer("network", host="127.0.0.1", port=port, timeout=1.0, on_health=health.append)
    result = printer.print_ticket(TICKET)
    assert time.monotonic() - t0 < 3
    assert result.ok is False and result.status is PrinterStatus.OFFLINE
    assert f"127.0.0.1:{port}" in result.message
    assert health[-1].state is HealthState.FAILED and health[-1].detail
    assert printer.status() is PrinterStatus.OFFLINE
    with PrinterSimulator(port=port) as sim:      # printer switched on
        assert printer.print_ticket(TICKET).ok
        assert sim.wait_for(lambda s: len(s.jobs) == 1)
        printer.close()
    assert health[-1].state is HealthState.OK


def test_printer_restart_is_survived():
    port = free_port()
    printer = open_printer("network", host="127.0.0.1", port=port)
    with PrinterSimulator(port=port) as sim:
        assert printer.print_ticket(TICKET).ok
        assert sim.wait_for(lambda s: len(s.jobs) == 1)
    with PrinterSimulator(port=port) as sim:      # same address, old connection is dead
        result = printer.print_ticket(TICKET)
        assert result.ok, result.message
        assert sim.wait_for(lambda s: len(s.jobs) == 1)
        printer.close()


def test_stream_reader_handles_chunked_input():
    data = ticket_bytes(TICKET) + b"\x10\x04\x04"
    reader = StreamReader()
    commands = []
    for i in range(0, len(data), 7):
        commands += reader.feed(data[i:i + 7])
    assert [c.kind for c in commands].count("raster") == 1
    assert commands[-1].kind == "status_query"
    assert decode(data)[0].qr_payloads == [TICKET.qr_payload]


def test_serial_printer_over_a_pty():
    """A pty is a real serial port: the far end answers DLE EOT like a printer low on paper."""
    master, slave = os.openpty()
    received = bytearray()
    stop = threading.Event()

    def far_end():
        reader = StreamReader()
        while not stop.is_set():
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            received.extend(chunk)
            for cmd in reader.feed(chunk):
                if cmd.kind == "status_query":
                    os.write(master, bytes((status_byte(SimState.LOW, cmd.raw[2]),)))

    thread = threading.Thread(target=far_end, daemon=True)
    thread.start()
    try:
        health = []
        printer = EscposTicketPrinter(SerialPrinter(devfile=os.ttyname(slave), baudrate=115200, timeout=1,
                                                    profile="TM-T88V"), on_health=health.append)
        assert printer.status() is PrinterStatus.PAPER_LOW
        result = printer.print_ticket(TICKET)
        assert result.ok and result.status is PrinterStatus.PAPER_LOW, result.message
        wait_until(lambda: ticket_bytes(TICKET) in bytes(received), message="the ticket at the far end")
        assert health[-1].state is HealthState.DEGRADED
        printer.close()
    finally:
        stop.set()
        os.close(slave)
        os.close(master)
        thread.join(timeout=2)


def test_kiosk_simulate_printer_records_a_ticket_and_stops_on_ctrl_c(tmp_path):
    """`kiosk simulate printer`: what a technician without a printer points a kiosk at."""
    import queue
    import re
    import signal
    import subprocess
    import sys

    from tests.conftest import ROOT
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "simulate", "printer", "--port", "0",
                             "--state", "low", "--save", str(tmp_path)], stdout=subprocess.PIPE, text=True,
                                # a shell's background job ignores SIGINT, and a child would inherit that
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    try:
        ready = lines.get(timeout=30)
        where = re.search(r"on 127\.0\.0\.1:(\d+), state low", ready)
        assert where, ready
        printer = open_printer("network", host="127.0.0.1", port=int(where.group(1)))
        result = printer.print_ticket(TICKET)
        assert result.ok and result.status is PrinterStatus.PAPER_LOW, result.message
        printer.close()
        job = lines.get(timeout=10)
        assert job.startswith("job: ") and TICKET.qr_payload in job and job.rstrip().endswith(", cut"), job
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(10)
    assert proc.returncode == 0
    assert lines.get(timeout=5).startswith("stopped after 1 job(s)")
    assert [p.name for p in tmp_path.iterdir()] == ["job-0001.png"]
