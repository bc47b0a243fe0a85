"""ESC/POS job bytes, the file/dummy/preview backends and failure handling, on real objects."""
from __future__ import annotations

import os
import re
import time

import zxingcpp
from escpos.printer import Dummy
from PIL import Image

from devices.printer import EscposTicketPrinter, open_printer, paper_width, ticket_bytes
from devices.printer.render import render_ticket_text
from kiosk.ports import HealthState, PrinterStatus, TicketPrintout

TICKET = TicketPrintout(
    header="Trung tâm Phục vụ hành chính công tỉnh Cà Mau",
    number="A023",
    service="Tư pháp - Hộ tịch",
    lines=("Số người đang chờ trước bạn: 3", "Thời gian chờ dự kiến: khoảng 12 phút",
           "Ưu tiên: Người cao tuổi", "08:45 — 23/11/2026"),
    qr_payload="https://dichvucong.camau.gov.vn/tra-cuu?so=A023&ngay=20261123",
    footer="Vui lòng chờ gọi số. Xin cảm ơn!",
)

GS_V0 = re.compile(rb"\x1dv0(.)(..)(..)", re.S)          # GS v 0 m xL xH yL yH
GS_K = re.compile(rb"\x1d\(k(..)", re.S)                   # GS ( k pL pH ...


def le16(b: bytes) -> int:
    return b[0] | b[1] << 8


def qr_store_payloads(data: bytes) -> list[bytes]:
    """Independent parse: data of every 'GS ( k pL pH 1 P 0 d...' (store QR data) command."""
    out = []
    for m in GS_K.finditer(data):
        body = data[m.end():m.end() + le16(m.group(1))]
        if body[:3] == b"1P0":
            out.append(body[3:])
    return out


def raster_images(data: bytes) -> list[Image.Image]:
    """Independent parse of GS v 0 images (bit 1 = black dot)."""
    out = []
    pos = 0
    while (m := GS_V0.search(data, pos)) is not None:
        wb, h = le16(m.group(2)), le16(m.group(3))
        raw = data[m.end():m.end() + wb * h]
        img = Image.frombytes("1", (wb * 8, h), bytes(b ^ 0xFF for b in raw))
        out.append(img)
        pos = m.end() + wb * h
    return out


def test_bytes_have_raster_image_and_native_qr_with_the_payload():
    data = ticket_bytes(TICKET)
    assert data.startswith(b"\x1b@")                      # ESC @ init
    assert b"\x1dv0" in data                              # raster image
    assert qr_store_payloads(data) == [TICKET.qr_payload.encode()]
    assert b"\x1ba\x01" in data                           # centred before the QR
    assert data.rstrip(b"\x00").endswith(b"\x1dV")         # ends with a cut (GS V 0)
    first = raster_images(data)[0]
    assert first.width == 512
    assert first.tobytes() == render_ticket_text(TICKET, 512).tobytes()  # exactly what we rendered


def test_qr_image_fallback_decodes():
    data = ticket_bytes(TICKET, native_qr=False)
    assert qr_store_payloads(data) == []
    images = raster_images(data)
    assert len(images) == 2
    assert [r.text for r in zxingcpp.read_barcodes(images[1].convert("L"))] == [TICKET.qr_payload]


def test_profile_without_native_qr_falls_back_to_image_at_its_width():
    data = ticket_bytes(TICKET, profile="POS-5890")            # 58 mm, no qrCode feature
    assert qr_store_payloads(data) == []
    images = raster_images(data)
    assert [im.width for im in images] == [384, 384]
    assert [r.text for r in zxingcpp.read_barcodes(images[1].convert("L"))] == [TICKET.qr_payload]


def test_paper_width_from_profile():
    assert paper_width("TM-T88V") == 512
    assert paper_width("POS-5890") == 384
    assert paper_width("TM-T20II") == 576
    assert paper_width("default") == 512                        # "Unknown" in the profile
    assert paper_width("TM-T20II", 512) == 512                  # an override may narrow
    assert paper_width("TM-T88V", 576) == 512                   # but never widen past the profile


def test_ticket_without_qr_has_no_qr_commands():
    data = ticket_bytes(TicketPrintout(header="H", number="A1", service="S"))
    assert b"\x1d(k" not in data and b"\x1dv0" in data


def test_dummy_backend_keeps_the_last_job():
    health = []
    printer = open_printer("dummy", on_health=health.append)
    assert printer.print_ticket(TICKET).ok
    result = printer.print_ticket(TICKET)
    assert result.ok and result.status is PrinterStatus.UNKNOWN  # a dummy cannot be asked
    assert printer.printer.output == ticket_bytes(TICKET)
    assert health[-1].state is HealthState.UNKNOWN
    assert printer.status() is PrinterStatus.UNKNOWN


def test_file_backend_writes_the_bytes(tmp_path):
    path = tmp_path / "lp0"
    printer = open_printer("file", path=str(path))
    result = printer.print_ticket(TICKET)
    assert result.ok, result.message
    printer.close()
    assert path.read_bytes() == ticket_bytes(TICKET)


def test_file_backend_unwritable_fails_cleanly_and_retries(tmp_path):
    path = tmp_path / "missing-dir" / "lp0"
    health = []
    printer = open_printer("file", path=str(path), on_health=health.append)
    assert health and health[-1].state is HealthState.FAILED          # reported at open
    result = printer.print_ticket(TICKET)
    assert not result.ok and "lp0" in result.message
    assert health[-1].state is HealthState.FAILED and health[-1].device == "printer"
    path.parent.mkdir()                                                 # "printer plugged in"
    assert printer.print_ticket(TICKET).ok
    printer.close()
    assert path.read_bytes() == ticket_bytes(TICKET)


def test_missing_serial_device_fails_cleanly():
    health = []
    t0 = time.monotonic()
    printer = open_printer("serial", device="/dev/does-not-exist-ttyUSB9", on_health=health.append)
    result = printer.print_ticket(TICKET)
    assert time.monotonic() - t0 < 2
    assert result.ok is False and result.status is PrinterStatus.OFFLINE
    assert "/dev/does-not-exist-ttyUSB9" in result.message
    assert health[-1].state is HealthState.FAILED
    assert printer.status() is PrinterStatus.OFFLINE


def test_usb_without_pyusb_fails_with_a_clear_message():
    health = []
    printer = open_printer("usb", usb_vendor=0x04B8, usb_product=0x0202, on_health=health.append)
    result = printer.print_ticket(TICKET)
    assert not result.ok
    assert "pyusb" in result.message or "usb" in result.message.lower()
    assert health[-1].state is HealthState.FAILED


def test_bad_health_listener_and_bad_ticket_never_raise():
    def broken(_report):
        raise RuntimeError("listener bug")

    printer = EscposTicketPrinter(Dummy(profile="TM-T88V"), on_health=broken)
    assert printer.print_ticket(TICKET).ok
    result = printer.print_ticket(TicketPrintout(header=None, number=None, service=None))  # type: ignore[arg-type]
    assert not result.ok and "could not build ticket" in result.message


def test_preview_backend_writes_png_with_decodable_qr(tmp_path):
    health = []
    printer = open_printer("preview", preview_dir=str(tmp_path), on_health=health.append)
    first = printer.print_ticket(TICKET)
    second = printer.print_ticket(TICKET)
    assert first.ok and second.ok and first.message != second.message
    assert printer.last_path is not None and str(printer.last_path) == second.message
    assert os.path.dirname(second.message) == str(tmp_path)
    with Image.open(second.message) as img:
        assert img.width == 512
        assert [r.text for r in zxingcpp.read_barcodes(img.convert("L"))] == [TICKET.qr_payload]
    assert health[-1].state is HealthState.OK
    assert printer.status() is PrinterStatus.OK
