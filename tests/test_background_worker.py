"""BackgroundWorker hands results to the UI thread later (Kivy's Clock): each callback must be
the one submitted with its job, even when later jobs came with other callbacks or none."""
from __future__ import annotations

from kiosk.worker import BackgroundWorker


def test_deferred_callbacks_keep_their_own_job():
    pending = []                      # what the UI thread would run at the next frame
    worker = BackgroundWorker("test", dispatch=pending.append)
    got = []
    try:
        worker.submit(lambda: 1, on_done=lambda r: got.append(("first", r)))
        worker.submit(lambda: 2)                                   # no callbacks at all
        worker.submit(lambda: 1 / 0, on_error=lambda e: got.append(("error", type(e).__name__)))
        worker.submit(lambda: 3)
        assert worker.drain(timeout=5)
    finally:
        worker.close()
    for callback in pending:          # the UI thread runs them after the worker moved on
        callback()
    assert got == [("first", 1), ("error", "ZeroDivisionError")]
