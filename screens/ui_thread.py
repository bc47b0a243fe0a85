"""Handing work to the UI thread: Kivy's widgets may only be touched there."""
from __future__ import annotations

from typing import Any, Callable

from kivy.clock import Clock


def on_ui_thread(fn: Callable[[], Any]) -> None:
    """Run `fn` on the UI thread at the next frame (also a BackgroundWorker's dispatch)."""
    Clock.schedule_once(lambda dt: fn())
