"""Scanner byte stream -> scanned codes (pure: no I/O, no clock of its own).

Serial / USB-CDC scanners send each code as one line: the code's bytes, then CR, LF or CR LF
(some add STX before and ETX after). `LineFramer.feed(data, now)` returns the complete codes:

* a line ends at CR, LF, ETX (0x03) or EOT (0x04); empty lines are ignored (CR LF is one end);
* STX (0x02) starts a new code: a partial code before it is dropped (resynchronisation);
* a line longer than `max_length` bytes is dropped WHOLE up to its end (never cut and delivered):
  a cut QR payload could be a different, valid code;
* a pause of more than `timeout_s` inside a line drops the partial line: a code whose end was
  lost (unplug, line noise) must not glue onto the next scan;
* the same code again within `repeat_guard_s` is ignored (scanners in continuous mode repeat a
  code held under them);
* every other byte (control characters, invalid UTF-8) is kept: the dossier parser refuses such
  payloads with its own fixed message, and the raw bytes are never shown or logged.

The buffer never holds more than `max_length` bytes, whatever arrives.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

MAX_LENGTH = 512        # = kiosk.contract.dossier.MAX_PAYLOAD: a receipt QR is far shorter
TIMEOUT_S = 0.5         # a scanner sends a whole code in a few ms, even at 9600 baud (~50 ms for 50 bytes)
REPEAT_GUARD_S = 2.0

STX, ETX, EOT, LF, CR = 0x02, 0x03, 0x04, 0x0A, 0x0D
_ENDS = frozenset({CR, LF, ETX, EOT})


@dataclass(frozen=True)
class Scan:
    """One code read by a scanner. `data` is raw bytes: decode/refuse it in the dossier parser."""
    data: bytes
    source: str = ""                                  # the configured port name
    received_at: float = field(default=0.0)           # time.monotonic() at the line end

    def __repr__(self) -> str:  # never the content: it may be a citizen's ID card QR
        return f"Scan({len(self.data)} bytes from {self.source!r})"


class LineFramer:
    protocol = "lines"

    def __init__(self, source: str = "", *, max_length: int = MAX_LENGTH, timeout_s: float = TIMEOUT_S,
                 repeat_guard_s: float = REPEAT_GUARD_S) -> None:
        if max_length < 1:
            raise ValueError("max_length must be at least 1")
        self.source = source
        self.max_length = max_length
        self.timeout_s = timeout_s
        self.repeat_guard_s = repeat_guard_s
        self.stats: Counter[str] = Counter()
        self._buf = bytearray()
        self._discarding = False          # inside an over-long line: drop until its end
        self._last_byte_at: float | None = None
        self._last_code: bytes | None = None
        self._last_code_at = float("-inf")

    def feed(self, data: bytes, now: float = 0.0) -> list[Scan]:
        """Consume bytes received at `now` (monotonic seconds); return the codes they complete."""
        scans: list[Scan] = []
        if not data:
            return scans
        if (self._buf or self._discarding) and self._last_byte_at is not None \
                and now - self._last_byte_at > self.timeout_s:
            self.stats["timed_out_partials"] += 1
            self._drop()
        self._last_byte_at = now
        for byte in data:
            if byte in _ENDS:
                self._end_line(now, scans)
            elif byte == STX:
                if self._buf or self._discarding:
                    self.stats["resync_partials"] += 1
                self._drop()
            elif self._discarding:
                continue
            elif len(self._buf) >= self.max_length:
                self.stats["too_long"] += 1
                self._buf.clear()
                self._discarding = True
            else:
                self._buf.append(byte)
        return scans

    def _end_line(self, now: float, scans: list[Scan]) -> None:
        if self._discarding:
            self._drop()
            return
        if not self._buf:
            return  # an empty line, or the LF of a CR LF
        code = bytes(self._buf)
        self._buf.clear()
        if code == self._last_code and now - self._last_code_at < self.repeat_guard_s:
            self.stats["repeats"] += 1
            self._last_code_at = now  # held under the scanner: keep ignoring it
            return
        self._last_code, self._last_code_at = code, now
        self.stats["codes"] += 1
        scans.append(Scan(code, self.source, now))

    def _drop(self) -> None:
        self._buf.clear()
        self._discarding = False

    def buffered(self) -> int:
        return len(self._buf)

    def reset(self) -> None:
        """Forget a partial code (the port was reopened)."""
        self._drop()
        self._last_byte_at = None
