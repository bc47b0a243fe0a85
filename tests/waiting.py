"""Waiting in tests: on a signal, never on a fixed sleep.

`wait_until` polls a condition until a deadline and FAILS when the deadline passes, so a slow
machine makes a test slower or red, never green without having checked anything.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

POLL_S = 0.01  # how often the condition is looked at; not a wait for anything


def wait_until(condition: Callable[[], T], timeout: float = 5.0, message: str = "the condition") -> T:
    """Return the condition's first truthy value; raise AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {message}")
        time.sleep(POLL_S)
