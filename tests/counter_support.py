"""Helpers for the counter tests: configs with a [counter] section, a settable monotonic clock."""
from __future__ import annotations

import tomllib

from kiosk.contract.config import SAMPLE_CONFIG, Config, parse_config


class Mono:
    """A settable monotonic clock (seconds)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


def counter_config(counter: dict | None = None, base: dict | None = None) -> Config:
    data = base or tomllib.loads(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    data["device"]["role"] = "counter"
    data["counter"] = counter or {"counters": [1, 3]}
    return parse_config(data)
