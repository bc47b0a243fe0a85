"""Runs a CounterService on threads: presses from the port threads go to workers, a ticker
applies rating timeouts and refreshes the cached queue.

* evaluator presses -> `ratings` worker (SQLite only: fast, in arrival order);
* caller-keypad presses and `submit_action` -> `actions` worker (may wait on HTTP), so a slow
  central never delays a rating.
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from kiosk.counter.service import CounterService
from kiosk.ports import PanelPress
from kiosk.worker import BackgroundWorker, Dispatch, call_now

log = logging.getLogger(__name__)


class CounterRuntime:
    def __init__(self, service: CounterService, *, dispatch: Dispatch = call_now, tick_s: float = 0.5,
                 refresh_queue: bool = True, max_pending_presses: int = 1000) -> None:
        self.service = service
        self.ratings = BackgroundWorker("counter-ratings", dispatch, max_jobs=max_pending_presses)
        self.actions = BackgroundWorker("counter-actions", dispatch, max_jobs=100)
        self.tick_s = tick_s
        self.refresh_s = service.config.counter.queue_refresh_s if refresh_queue and service.client else None
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick_loop, name="counter-ticker", daemon=True)
        self._ticker.start()

    def on_press(self, press: PanelPress) -> None:
        """The PressSink given to devices.serial.open_panel: runs on the port thread, only
        routes (a dict lookup) and queues."""
        route = self.service.route(press)
        if route is None:
            return
        if route.kind == "evaluator":
            self.ratings.submit(lambda: self.service.rate_press(route.counter, press.key, route.device))
        else:
            self.actions.submit(lambda: self.service.caller_key(route.counter, press.key))

    def submit_action(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
                      on_error: Callable[[BaseException], None] | None = None) -> None:
        """For the UI: e.g. submit_action(lambda: svc.call_next(3), show, show_error)."""
        self.actions.submit(fn, on_done, on_error)

    def _tick_loop(self) -> None:
        next_refresh = 0.0
        elapsed = 0.0
        while not self._stop.wait(self.tick_s):
            elapsed += self.tick_s
            self.ratings.submit(self.service.tick)
            if self.refresh_s is not None and elapsed >= next_refresh:
                next_refresh = elapsed + self.refresh_s
                self.actions.submit(self._refresh)

    def _refresh(self) -> None:
        try:
            self.service.refresh_queue()
        except Exception as exc:  # offline is normal here
            log.debug("queue refresh failed: %s", exc)

    def drain(self, timeout: float = 10) -> bool:
        """Wait until both workers ran every job submitted so far; False if one timed out."""
        actions = self.actions.drain(timeout)
        return self.ratings.drain(timeout) and actions

    def close(self) -> None:
        self._stop.set()
        self._ticker.join(2)
        self.actions.close()
        self.ratings.submit(self.service.flush_ratings)
        self.ratings.close()
