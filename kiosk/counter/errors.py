"""What the counter's actions refuse with (kiosk/counter/service.py, keypad.py)."""
from __future__ import annotations


class CounterError(Exception):
    """An action the counter cannot do now; str() is a short English reason for the log/UI,
    `code` a stable key the UI translates."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class CounterOffline(CounterError):
    """The central is unreachable and the action needs it (call next): type the number."""
