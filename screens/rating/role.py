"""The rating terminal's part of the launch (screens.launch): a small screen facing the citizen,
bound to one counter (its enrolment's counters, else `[counter] counters`). The ratings follow
the counter's rules on this device's own CounterService; requests come from the central
(kiosk/counter/terminal.py)."""
from __future__ import annotations

import logging
from typing import Any

from devices.factory import build_speaker
from kiosk.counter import CounterService
from kiosk.counter.client import CounterClient
from kiosk.counter.runtime import CounterRuntime
from kiosk.counter.terminal import RatingTerminal
from screens.counter.runtime import CounterUIRuntime
from screens.kivy_setup import LANDSCAPE
from screens.launch import Parts, close_quietly

log = logging.getLogger(__name__)


class RatingRole:
    name = "rating"
    window = (960, 540)
    headless_window = LANDSCAPE
    sync_first_pass = False

    def open_app(self, parts: Parts) -> Any:
        config, core = parts.config, parts.core
        counter = (config.counter.counters or [c.number for c in config.counters])[0]
        svc = CounterService(core.db, config, translator=core.translator, health=core.health.report,
                             counters=[counter])
        from screens.rating.app import RatingApp  # Kivy: only once configure_kivy() has run
        from screens.ui_thread import on_ui_thread
        crt = CounterRuntime(svc, dispatch=on_ui_thread, refresh_queue=False)
        speaker = build_speaker(config, core.data_dir, core.health.report)
        parts.stack.callback(close_quietly, speaker)
        client = parts.central_client()
        if client is not None:
            poll_s = getattr(parts.harness, "poll_s", None) or 1.0
            terminal = RatingTerminal(svc, CounterClient(client), counter, poll_s=poll_s)
            terminal.start()
            parts.stack.callback(terminal.stop)
        else:
            log.warning("no central configured: the rating terminal cannot learn when counter %s serves", counter)
        runtime = CounterUIRuntime(**parts.runtime_fields(), service=svc, counter_runtime=crt, speaker=speaker,
                                   counter=counter)
        app = RatingApp(runtime)
        parts.stack.callback(crt.close)
        return app
