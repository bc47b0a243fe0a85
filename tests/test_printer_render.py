"""Ticket rendering: Vietnamese text, layout and the preview QR, checked on real images."""
from __future__ import annotations

import unicodedata

import zxingcpp
from PIL import Image, ImageChops

from devices.printer.render import render_qr, render_ticket_preview, render_ticket_text, wrap_text, _font
from kiosk.ports import TicketPrintout

TICKET = TicketPrintout(
    header="Trung tâm Phục vụ hành chính công tỉnh Cà Mau",
    number="A023",
    service="Tư pháp - Hộ tịch",
    lines=("Số người đang chờ trước bạn: 3", "Thời gian chờ dự kiến: khoảng 12 phút",
           "Ưu tiên: Người cao tuổi", "08:45 — 23/11/2026"),
    qr_payload="https://dichvucong.camau.gov.vn/tra-cuu?so=A023&ngay=20261123",
    footer="Vui lòng chờ gọi số. Xin cảm ơn!",
)


def ink(img: Image.Image) -> int:
    """Number of black pixels."""
    return img.convert("L").histogram()[0]


def ink_rows(img: Image.Image) -> list[int]:
    g = img.convert("L")
    return [y for y in range(g.height) if g.crop((0, y, g.width, y + 1)).getextrema()[0] == 0]


def test_text_image_is_one_bit_at_paper_width_and_not_blank():
    for width in (384, 512, 576):
        img = render_ticket_text(TICKET, width)
        assert img.mode == "1" and img.width == width
        assert ink(img) > 0.03 * img.width * img.height


def test_vietnamese_diacritics_change_the_image():
    with_marks = render_ticket_text(TicketPrintout(header="", number="A1", service="Tư pháp - Hộ tịch"))
    without = render_ticket_text(TicketPrintout(header="", number="A1", service="Tu phap - Ho tich"))
    assert with_marks.size == without.size
    assert ImageChops.difference(with_marks.convert("L"), without.convert("L")).getbbox() is not None


def bands(rows: list[int]) -> list[tuple[int, int]]:
    """Groups of consecutive inked rows: one per text line (or rule)."""
    out: list[tuple[int, int]] = []
    for y in rows:
        if out and y == out[-1][1] + 1:
            out[-1] = (out[-1][0], y)
        else:
            out.append((y, y))
    return out


def test_stacked_marks_on_capitals_are_not_clipped_or_overlapping():
    # "Ở", "Ỗ" carry a mark above a capital: the tallest glyphs in Vietnamese; they rise above
    # the font ascent, so a layout using only the ascent would clip them or touch the line above.
    font = _font(True, 28)
    assert -font.getbbox("ỞỖỮẪ", anchor="ls")[1] > font.getmetrics()[0]
    img = render_ticket_text(TicketPrintout(header="gpqy gpqy\nỞỖỮẪ ỞỖỮẪ", number="1", service=""))
    found = bands(ink_rows(img))
    rule = next(b for b in found if b[1] - b[0] + 1 == 2)  # the 2-px rule under the header
    header = [b for b in found if b[1] < rule[0]]
    line1, line2 = header[0], (header[1][0], header[-1][1])  # line 2's marks may be a band of their own
    assert line1[0] > 2, "ink touches the top edge"
    assert line2[0] - line1[1] > 2, "descenders of line 1 (almost) touch the marks of line 2"
    assert line2[1] - line2[0] + 1 >= -font.getbbox("ỞỖỮẪ", anchor="ls")[1], "marks are cut off"


def test_decomposed_input_renders_like_precomposed():
    nfd = unicodedata.normalize("NFD", TICKET.service)
    assert nfd != TICKET.service
    a = render_ticket_text(TicketPrintout(header="", number="A1", service=TICKET.service))
    b = render_ticket_text(TicketPrintout(header="", number="A1", service=nfd))
    assert ImageChops.difference(a.convert("L"), b.convert("L")).getbbox() is None


def test_number_is_very_large():
    img = render_ticket_text(TicketPrintout(header="", number="A023", service=""))
    rows = ink_rows(img)
    assert rows[-1] - rows[0] > 0.2 * img.width  # cap height > 20 % of the paper width


def test_long_text_wraps_within_the_paper():
    long_service = "Đăng ký kinh doanh, thành lập doanh nghiệp và hộ kinh doanh cá thể " * 2
    short = render_ticket_text(TicketPrintout(header="", number="B7", service="Đất đai"), 384)
    long = render_ticket_text(TicketPrintout(header="", number="B7", service=long_service), 384)
    assert long.width == 384
    assert long.height > short.height + 3 * 30  # several extra lines
    # nothing drawn in the side margins: wrapped, not clipped
    g = long.convert("L")
    assert g.crop((0, 0, 4, g.height)).getextrema()[0] == 255
    assert g.crop((380, 0, 384, g.height)).getextrema()[0] == 255


def test_wrap_text_splits_overlong_words():
    font = _font(False, 28)
    lines = wrap_text("x" * 200, font, 300)
    assert len(lines) > 1 and all(font.getlength(line) <= 300 for line in lines)
    assert "".join(lines) == "x" * 200


def test_preview_qr_decodes_back():
    img = render_ticket_preview(TICKET)
    found = zxingcpp.read_barcodes(img.convert("L"))
    assert [r.text for r in found] == [TICKET.qr_payload]


def test_qr_strip_fits_narrow_paper():
    payload = "https://dichvucong.gov.vn/" + "a" * 300
    strip = render_qr(payload, 384, module=8)
    assert strip.width == 384
    assert [r.text for r in zxingcpp.read_barcodes(strip.convert("L"))] == [payload]


def test_preview_without_qr_payload():
    img = render_ticket_preview(TicketPrintout(header="H", number="C001", service="S"))
    assert img.height == render_ticket_text(TicketPrintout(header="H", number="C001", service="S")).height + 24
