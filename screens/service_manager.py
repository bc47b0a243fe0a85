"""Tells systemd the app is up, then pings its watchdog from the Kivy clock: the ping comes
from the UI loop itself, so a frozen screen stops the pings and systemd restarts the kiosk."""
from __future__ import annotations

import json
import time

from kivy.clock import Clock

from kiosk.systemd import notify, watchdog_interval_s
from screens.startup import process_age_s


def announce_ready() -> None:
    notify("READY=1")
    interval = watchdog_interval_s()
    if interval:
        Clock.schedule_interval(lambda dt: notify("WATCHDOG=1"), interval)


def record_first_frame(app) -> None:
    """Once, at the first frame drawn: when it happened, and the start-up timings written to the
    runtime's ready file (benchmarks, monitoring)."""
    if app.first_frame_at is not None:
        return
    app.first_frame_at = time.monotonic()
    runtime = app.runtime
    if runtime.ready_file is not None:
        runtime.timings["process_start_to_first_frame_s"] = round(process_age_s(), 3)
        runtime.ready_file.write_text(json.dumps(runtime.timings))
