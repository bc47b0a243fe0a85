"""What every byte-stream framer offers: pure decoding of bytes into items (panel presses, or
the scanner's scans).

Framers do no I/O and keep no clock: the caller passes `now` so a framer can be tested (and
replayed) byte-for-byte, the same way pymodbus framers are.
"""
from __future__ import annotations

from collections import Counter
from typing import Protocol, TypeVar

T = TypeVar("T")  # what the framer decodes: PanelPress (panels), Scan (the scanner)


class Framer(Protocol[T]):
    protocol: str
    stats: Counter[str]  # error and event counts by kind, for diagnostics

    def feed(self, data: bytes, now: float = 0.0) -> list[T]:
        """Consume bytes, return the items (presses) they complete. Never raises on any input."""

    def buffered(self) -> int:
        """Bytes held waiting for the rest of a frame (always bounded)."""

    def reset(self) -> None:
        """Forget a partial frame, e.g. after the port was reopened."""
