"""The officer's caller keypad: digits typed per counter, and keys turned into counter actions.

Keys are the ft12 CallerKey codes (ascii keypads give the same codes with 'A'..'F'); digits are
0x00-0x09. Errors are reported to the service's listeners as ("error", {...}), never raised:
a keypad has no screen to show an exception on.
"""
from __future__ import annotations

import logging
from collections import Counter
from typing import Any, Callable, Iterable, Protocol, Sequence

from kiosk.contract.config import Service
from kiosk.counter.errors import CounterError
from kiosk.storage.engine import StorageError
from kiosk.sync.client import CentralRejected, CentralUnavailable

log = logging.getLogger(__name__)

KEY_TRANSFER = 0x0A   # start / transfer: digits typed before = 1-based service index
KEY_COMPLETE = 0x0B   # wait / evaluate: service done, ask for the rating
KEY_CALL = 0x0C       # call next; with digits typed before: call that number (offline)
KEY_RECALL = 0x0D
KEY_CANCEL = 0x0E     # clears typed digits; with none typed: no-show (skip)
KEY_FUNCTION = 0x0F   # pause / resume
MAX_TYPED = 6

Emit = Callable[[str, dict[str, Any]], None]


class CounterActions(Protocol):
    """What the keypad drives (kiosk.counter.service.CounterService)."""
    def call_next(self, counter: int) -> object: ...
    def call_typed(self, counter: int, typed: str) -> object: ...
    def recall(self, counter: int) -> object: ...
    def no_show(self, counter: int) -> object: ...
    def transfer(self, counter: int, to_service_code: str) -> object: ...
    def complete(self, counter: int, dossier_code: str | None = None) -> object: ...
    def is_paused(self, counter: int) -> bool: ...
    def pause(self, counter: int) -> None: ...
    def resume(self, counter: int) -> None: ...


class CallerKeypad:
    def __init__(self, actions: CounterActions, counters: Iterable[int], services: Sequence[Service], *,
                 emit: Emit, stats: Counter[str]) -> None:
        self.actions = actions
        self.services = services
        self.emit = emit
        self.stats = stats
        self._typed: dict[int, str] = {n: "" for n in counters}

    def typed(self, counter: int) -> str:
        return self._typed[counter]

    def key(self, counter: int, key: int) -> None:
        """One key of `counter`'s keypad; errors go to the listeners, not to the caller."""
        try:
            self._key(counter, key)
        except (CounterError, CentralRejected, CentralUnavailable, StorageError) as exc:
            self.stats["caller_key_errors"] += 1
            log.info("counter %s: key 0x%02X: %s", counter, key, exc)
            self.emit("error", {"counter": counter, "key": key, "code": getattr(exc, "code", "failed"),
                                "message": str(exc)})

    def _key(self, counter: int, key: int) -> None:
        if counter not in self._typed:
            raise CounterError("unknown_counter", f"counter {counter} is not run by this device")
        if 0 <= key <= 9:
            if len(self._typed[counter]) < MAX_TYPED:
                self._typed[counter] += str(key)
            self.emit("typed", {"counter": counter, "typed": self._typed[counter]})
            return
        typed, self._typed[counter] = self._typed[counter], ""
        a = self.actions
        if key == KEY_CALL:
            if typed:
                a.call_typed(counter, typed)
            else:
                a.call_next(counter)
        elif key == KEY_RECALL:
            a.recall(counter)
        elif key == KEY_CANCEL:
            if not typed:
                a.no_show(counter)
            else:
                self.emit("typed", {"counter": counter, "typed": ""})
        elif key == KEY_COMPLETE:
            a.complete(counter)
        elif key == KEY_TRANSFER:
            if not typed or not 1 <= int(typed) <= len(self.services):
                raise CounterError("transfer_needs_service", "type the service number (1..N) before transfer")
            a.transfer(counter, self.services[int(typed) - 1].code)
        elif key == KEY_FUNCTION:
            if a.is_paused(counter):
                a.resume(counter)
            else:
                a.pause(counter)
