"""Background work for the UI: one thread runs jobs in order and hands results back through
`dispatch` (the UI passes Kivy's Clock there), so the UI thread never waits on I/O."""
from __future__ import annotations

import functools
import logging
import queue
import threading
from typing import Any, Callable

log = logging.getLogger(__name__)
Dispatch = Callable[[Callable[[], None]], None]


def call_now(fn: Callable[[], None]) -> None:
    fn()


class BackgroundWorker:
    def __init__(self, name: str, dispatch: Dispatch = call_now, max_jobs: int = 100) -> None:
        self.dispatch = dispatch
        self._jobs: queue.Queue[Any] = queue.Queue(max_jobs)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[BaseException], None] | None = None) -> None:
        self._jobs.put((job, on_done, on_error))

    def _run(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                return
            job, on_done, on_error = item
            try:
                result = job()
            except BaseException as exc:  # a failed job must never kill the worker
                log.exception("background job failed")
                if on_error is not None:
                    self.dispatch(functools.partial(on_error, exc))
                continue
            if on_done is not None:
                # bound now: the loop rebinds on_done before the UI thread runs this
                self.dispatch(functools.partial(on_done, result))

    def mark(self) -> threading.Event:
        """An Event set once every job submitted so far has run: a signal to wait on without
        blocking (the scenarios poll it frame by frame)."""
        done = threading.Event()
        self.submit(done.set)
        return done

    def drain(self, timeout: float = 10) -> bool:
        """Wait until every job submitted so far has run (tests, shutdown); False on timeout."""
        return self.mark().wait(timeout)

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=5)
