"""Reads an ESC/POS byte stream back: command boundaries, raster images, QR payloads, cuts.

Used by the printer simulator and by technicians to see what a job would print. It knows the
commands python-escpos emits plus common ones; an unknown ESC/GS command is assumed to take one
parameter byte, which keeps the reader in step for everything this project sends.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image

ESC, GS, DLE, FS = 0x1B, 0x1D, 0x10, 0x1C

# Parameter bytes after "ESC x" for fixed-length commands; absent -> 1.
_ESC_PARAMS = {0x40: 0, 0x32: 0, 0x3C: 0, 0x70: 3, 0x24: 2, 0x5C: 2, 0x63: 2}  # ESC D (0x44) is measured apart
_GS_CUT_WITH_FEED = {65, 66, 97, 98, 103, 104}
_INVERT = bytes(i ^ 0xFF for i in range(256))


@dataclass
class Command:
    kind: str     # "raster", "qr_store", "qr_print", "qr_setting", "cut", "status_query", "init", "text", "other"
    raw: bytes


@dataclass
class DecodedJob:
    images: list[Image.Image] = field(default_factory=list)  # raster images, black = printed
    qr_payloads: list[str] = field(default_factory=list)
    text: bytes = b""                                      # plain bytes outside commands
    cut: bool = False
    nbytes: int = 0


def command_length(buf: bytes | bytearray, i: int) -> int | None:
    """Length of the command starting at buf[i], or None if more bytes are needed."""
    n = len(buf) - i
    b = buf[i]
    if b not in (ESC, GS, DLE, FS):
        return 1
    if n < 2:
        return None
    c = buf[i + 1]
    if b == DLE:
        return {0x04: 3, 0x05: 3, 0x14: 5}.get(c, 1)
    if b == FS:
        if c == 0x28:
            return _length_prefixed(buf, i, n)
        return {0x26: 2, 0x2E: 2, 0x70: 4}.get(c, 3)
    if b == ESC:
        if c == 0x2A:  # ESC * m nL nH d...: column bit image
            if n < 5:
                return None
            dots = buf[i + 3] | buf[i + 4] << 8
            return 5 + dots * (3 if buf[i + 2] in (32, 33) else 1)
        if c == 0x44:  # ESC D n1..nk NUL: tab stops
            end = bytes(buf[i + 2:]).find(b"\x00")
            return None if end < 0 else end + 3
        return 2 + _ESC_PARAMS.get(c, 1)
    # GS
    if c == 0x76:  # GS v 0 m xL xH yL yH d...: raster image
        if n < 8:
            return None
        width_bytes = buf[i + 4] | buf[i + 5] << 8
        height = buf[i + 6] | buf[i + 7] << 8
        return 8 + width_bytes * height
    if c == 0x28:  # GS ( X pL pH ...
        return _length_prefixed(buf, i, n)
    if c == 0x56:  # GS V m [n]: cut
        if n < 3:
            return None
        return 4 if buf[i + 2] in _GS_CUT_WITH_FEED else 3
    if c == 0x6B:  # GS k m ...: 1D barcode
        if n < 3:
            return None
        if buf[i + 2] <= 6:
            end = bytes(buf[i + 3:]).find(b"\x00")
            return None if end < 0 else end + 4
        return None if n < 4 else 4 + buf[i + 3]
    if c in (0x4C, 0x57, 0x50):  # GS L / GS W / GS P: two parameters
        return 4
    return 3


def _length_prefixed(buf: bytes | bytearray, i: int, n: int) -> int | None:
    if n < 5:
        return None
    return 5 + (buf[i + 3] | buf[i + 4] << 8)


def classify(cmd: bytes) -> str:
    if cmd[:2] == b"\x10\x04":
        return "status_query"
    if cmd[:2] == b"\x1b@":
        return "init"
    if cmd[:3] == b"\x1dv0":
        return "raster"
    if cmd[:3] == b"\x1d(k" and len(cmd) >= 7 and cmd[5] == 0x31:
        return {0x50: "qr_store", 0x51: "qr_print"}.get(cmd[6], "qr_setting")
    if cmd[:2] == b"\x1dV":
        return "cut"
    if cmd[0] not in (ESC, GS, DLE, FS):
        return "text"
    return "other"


class StreamReader:
    """Incremental reader: feed() chunks as they arrive, get whole commands back."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[Command]:
        self._buf += data
        out: list[Command] = []
        i = 0
        while i < len(self._buf):
            length = command_length(self._buf, i)
            if length is None or i + length > len(self._buf):
                break  # wait for the rest of this command
            raw = bytes(self._buf[i:i + length])
            out.append(Command(classify(raw), raw))
            i += length
        del self._buf[:i]
        return out


def raster_image(cmd: bytes) -> Image.Image:
    """GS v 0 command -> image (ESC/POS bit 1 = black dot)."""
    width_bytes = cmd[4] | cmd[5] << 8
    height = cmd[6] | cmd[7] << 8
    data = cmd[8:8 + width_bytes * height].translate(_INVERT)  # Pillow mode "1": bit 1 = white
    return Image.frombytes("1", (width_bytes * 8, height), data)


def qr_payload(cmd: bytes) -> str:
    """GS ( k ... 1 P 0 d...: the stored QR data."""
    return cmd[8:].decode("utf-8", errors="replace")


class JobCollector:
    """Groups commands into jobs: a cut ends a job."""

    def __init__(self) -> None:
        self.current = DecodedJob()

    def add(self, cmd: Command) -> DecodedJob | None:
        job = self.current
        job.nbytes += len(cmd.raw)
        if cmd.kind == "raster":
            job.images.append(raster_image(cmd.raw))
        elif cmd.kind == "qr_store":
            job.qr_payloads.append(qr_payload(cmd.raw))
        elif cmd.kind == "text":
            job.text += cmd.raw
        elif cmd.kind == "cut":
            job.cut = True
            self.current = DecodedJob()
            return job
        return None

    def flush(self) -> DecodedJob | None:
        job, self.current = self.current, DecodedJob()
        return job if job.nbytes and (job.images or job.qr_payloads or job.text.strip()) else None


def decode(data: bytes) -> list[DecodedJob]:
    """All jobs in a complete byte stream (a trailing job without cut included)."""
    collector = JobCollector()
    jobs = [j for c in StreamReader().feed(data) if (j := collector.add(c))]
    tail = collector.flush()
    return jobs + ([tail] if tail else [])


def job_image(job: DecodedJob, width: int | None = None) -> Image.Image:
    """What the job would look like on paper: its raster images, native QR codes drawn below."""
    from .render import render_qr  # late: keeps this module importable without qrcode/fonts

    parts = list(job.images)
    w = width or max((p.width for p in parts), default=512)
    parts += [render_qr(p, w) for p in job.qr_payloads]
    out = Image.new("1", (w, max(1, sum(p.height for p in parts))), 1)
    y = 0
    for p in parts:
        out.paste(p, ((w - p.width) // 2, y))
        y += p.height
    return out
