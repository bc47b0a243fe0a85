"""Ticket rendering: a TicketPrintout becomes a 1-bit Pillow image the printer prints as raster.

Why an image: printer code pages cannot carry Vietnamese (CP1258 needs combining marks that
Python does not produce, other pages print "?"), so text is drawn with Roboto, which covers it.
"""
from __future__ import annotations

import functools
import importlib.util
import os
import unicodedata
from dataclasses import dataclass

import qrcode
import qrcode.constants
from PIL import Image, ImageDraw, ImageFont
from qrcode.exceptions import DataOverflowError

from kiosk.ports import TicketPrintout

DEFAULT_WIDTH = 512          # printable dots of an 80 mm printer at 180 dpi (TM-T88V)
QR_QUIET_MODULES = 4         # quiet zone the QR spec asks for; phones fail on less
QR_ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M  # survives smudges on thermal paper

_FONT_ENV = "KIOSK_PRINTER_FONT_DIR"  # lets a technician point at other TTFs without code changes


def font_path(bold: bool = False) -> str:
    """Path of Roboto shipped with Kivy; found without importing kivy (that would start its logger/window)."""
    name = "Roboto-Bold.ttf" if bold else "Roboto-Regular.ttf"
    override = os.environ.get(_FONT_ENV)
    if override:
        return os.path.join(override, name)
    spec = importlib.util.find_spec("kivy")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("kivy is not installed: no Roboto font to render tickets with")
    return os.path.join(list(spec.submodule_search_locations)[0], "data", "fonts", name)


@functools.lru_cache(maxsize=64)
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    # Loading a TTF costs ~1 ms; tickets reuse a handful of sizes. BASIC layout is twice as
    # fast as raqm and exact for Vietnamese once text is NFC (every letter is precomposed).
    return ImageFont.truetype(font_path(bold), size, layout_engine=ImageFont.Layout.BASIC)


def _nfc(text: str) -> str:
    # Input typed on some keyboards (VNI/Unikey "combining" mode) arrives decomposed.
    return unicodedata.normalize("NFC", text)


def wrap_text(text: str, font: ImageFont.FreeTypeFont, max_width: int, balance: bool = True) -> list[str]:
    """Word wrap by rendered width; words wider than the line are split by characters.

    balance: same number of lines, but as even as possible (no lone last word on a centred ticket).
    """
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        if font.getlength(paragraph) <= max_width:  # the common case: one measurement
            lines.append(paragraph.strip())
            continue
        wrapped = _greedy(paragraph, font, max_width)
        if balance and len(wrapped) > 1:
            lo, hi = max_width // 2, max_width  # narrowest width that still needs len(wrapped) lines
            while hi - lo > 4:
                mid = (lo + hi) // 2
                if len(_greedy(paragraph, font, mid)) <= len(wrapped):
                    hi = mid
                else:
                    lo = mid
            wrapped = _greedy(paragraph, font, hi)
        lines += wrapped
    return lines


def _greedy(paragraph: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in paragraph.split():
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
            current = ""
        while font.getlength(word) > max_width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and font.getlength(word[:cut]) > max_width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    lines.append(current)
    return lines


@dataclass(frozen=True)
class _Line:
    text: str
    font: ImageFont.FreeTypeFont
    above: int   # pixels from the top of the line box to the baseline
    below: int   # pixels from the baseline to the bottom of the line box


def _measure(text: str, font: ImageFont.FreeTypeFont, tight: bool = False) -> _Line:
    ascent, descent = font.getmetrics()
    _, top, _, bottom = font.getbbox(text or " ", anchor="ls")
    if tight:  # the big number: only its real ink, no line spacing
        return _Line(text, font, max(-int(top), 1), max(int(bottom), 0))
    # Stacked Vietnamese marks ("Ở", "Ữ") rise above the font ascent: never clip them, and
    # leave some leading so they do not touch the descenders of the line above.
    return _Line(text, font, max(ascent, -int(top)), max(descent, int(bottom)) + int(font.size) // 8)


@dataclass
class _Block:
    lines: list[_Line]
    gap_after: int
    rule_after: bool = False


class _Scale:
    def __init__(self, width: int) -> None:
        self.k = width / DEFAULT_WIDTH

    def __call__(self, px: float) -> int:
        return max(1, round(px * self.k))


def _fit_number(number: str, max_width: int, s: _Scale) -> ImageFont.FreeTypeFont:
    # As large as the paper allows: the number is what citizens look for when called.
    size = s(190)
    while size > 24:
        font = _font(True, size)
        if font.getlength(number) <= max_width:
            return font
        size -= 4
    return _font(True, size)


def render_ticket_text(ticket: TicketPrintout, width: int = DEFAULT_WIDTH) -> Image.Image:
    """The text part of the ticket (no QR) as a mode "1" image exactly `width` pixels wide."""
    s = _Scale(width)
    margin = s(12)
    inner = width - 2 * margin
    # Floors keep 58 mm tickets readable (about 2.8 mm letters at 203 dpi).
    header_font, service_font = _font(True, max(s(28), 24)), _font(True, max(s(36), 28))
    line_font, footer_font = _font(False, max(s(28), 23)), _font(False, max(s(24), 21))

    def para(text: str, font: ImageFont.FreeTypeFont) -> list[_Line]:
        return [_measure(t, font) for t in wrap_text(_nfc(text), font, inner)]

    blocks: list[_Block] = []
    if ticket.header:
        blocks.append(_Block(para(ticket.header, header_font), s(10), rule_after=True))
    number = _nfc(ticket.number.strip())
    blocks.append(_Block([_measure(number, _fit_number(number, inner, s), tight=True)], s(22)))
    if ticket.service:
        blocks.append(_Block(para(ticket.service, service_font), s(14), rule_after=bool(ticket.lines)))
    detail = [ln for line in ticket.lines for ln in para(line, line_font)]
    if detail:
        blocks.append(_Block(detail, s(18)))
    if ticket.footer:
        blocks.append(_Block(para(ticket.footer, footer_font), s(14) if ticket.qr_caption else 0))
    if ticket.qr_caption:  # what the QR is for, and its short URL under it (the QR follows)
        what, *url = ticket.qr_caption
        lines = para(what, footer_font) + [ln for u in url for ln in para(u, _font(True, max(s(22), 20)))]
        blocks.append(_Block(lines, 0))

    rule_h, rule_gap = s(2), s(12)
    top, bottom = s(16), s(16)
    height = top + bottom
    for b in blocks:
        height += sum(ln.above + ln.below for ln in b.lines) + b.gap_after
        if b.rule_after:
            height += rule_h + rule_gap

    # Draw in greyscale then threshold without dithering: dithered text edges print fuzzy.
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    y = top
    for b in blocks:
        for ln in b.lines:
            x = (width - ln.font.getlength(ln.text)) / 2
            draw.text((x, y + ln.above), ln.text, font=ln.font, fill=0, anchor="ls")
            y += ln.above + ln.below
        y += b.gap_after
        if b.rule_after:
            draw.rectangle((margin, y, width - margin - 1, y + rule_h - 1), fill=0)
            y += rule_h + rule_gap
    return img.point(_THRESHOLD).convert("1", dither=Image.Dither.NONE)


_THRESHOLD = [0] * 128 + [255] * 128


def qr_module_size(payload: str, width: int, preferred: int = 6) -> int:
    """Dots per QR module: `preferred`, shrunk so the code plus its quiet zone fits the paper.

    Raises DataOverflowError when the payload cannot be a QR code at all.
    """
    code = qrcode.QRCode(error_correction=QR_ERROR_CORRECTION, border=QR_QUIET_MODULES)
    code.add_data(payload)
    code.best_fit()  # only picks the version; no matrix is built
    modules = code.version * 4 + 17 + 2 * QR_QUIET_MODULES
    return max(1, min(preferred, width // modules, 16))


def render_qr(payload: str, width: int = DEFAULT_WIDTH, module: int = 6) -> Image.Image:
    """The QR code centred on a `width`-wide mode "1" strip (used for the image fallback and previews)."""
    module = qr_module_size(payload, width, module)
    code = qrcode.QRCode(error_correction=QR_ERROR_CORRECTION, box_size=module, border=QR_QUIET_MODULES)
    code.add_data(payload)
    code.make(fit=True)
    matrix = code.get_matrix()  # includes the quiet zone
    side = len(matrix)
    small = Image.new("1", (side, side), 1)
    small.putdata([0 if dark else 1 for row in matrix for dark in row])
    big = small.resize((side * module, side * module), Image.Resampling.NEAREST)
    strip = Image.new("1", (max(width, big.width), big.height), 1)
    strip.paste(big, ((strip.width - big.width) // 2, 0))
    return strip


def render_ticket_preview(ticket: TicketPrintout, width: int = DEFAULT_WIDTH, qr_module: int = 6) -> Image.Image:
    """The whole ticket, text and QR, as one image: what the paper should look like."""
    text = render_ticket_text(ticket, width)
    parts = [text]
    if ticket.qr_payload:
        try:
            parts.append(render_qr(ticket.qr_payload, width, qr_module))
        except DataOverflowError:
            pass  # same rule as printing: a ticket without its QR beats no ticket
    height = sum(p.height for p in parts) + _Scale(width)(24)
    out = Image.new("1", (width, height), 1)
    y = 0
    for p in parts:
        out.paste(p, (0, y))
        y += p.height
    return out
