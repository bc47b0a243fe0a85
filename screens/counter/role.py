"""The counter terminal's part of the launch (screens.launch): the counter service on the
central, its worker threads, the serial panels (one supervisor per configured port) and the
counter app."""
from __future__ import annotations

import logging
from typing import Any, Callable

from devices.factory import build_speaker
from devices.serial import open_panel, start_rating_encoder
from kiosk.counter import CounterService
from kiosk.counter.client import CounterClient
from kiosk.counter.panels import make_prompter
from kiosk.counter.runtime import CounterRuntime
from kiosk.ports import PanelPress
from screens.kivy_setup import LANDSCAPE
from screens.launch import Parts, close_quietly
from screens.counter.runtime import CounterUIRuntime

log = logging.getLogger(__name__)


class CounterRole:
    name = "counter"
    window = (960, 540)
    headless_window = LANDSCAPE
    sync_first_pass = False

    def open_app(self, parts: Parts) -> Any:
        config, core = parts.config, parts.core
        client = parts.central_client()
        svc = CounterService(core.db, config, client=CounterClient(client) if client is not None else None,
                             translator=core.translator, health=core.health.report)
        from screens.counter.app import CounterApp  # Kivy: only once configure_kivy() has run
        from screens.ui_thread import on_ui_thread
        crt = CounterRuntime(svc, dispatch=on_ui_thread)
        speaker = build_speaker(config, core.data_dir, core.health.report)
        parts.stack.callback(close_quietly, speaker)
        runtime = CounterUIRuntime(**parts.runtime_fields(), service=svc, counter_runtime=crt, speaker=speaker,
                                   counter=sorted(svc.counters)[0],
                                   panel_names=tuple(p.name for p in svc.panels.panels()))
        if len(svc.counters) > 1:
            log.info("this device runs counters %s: the screen shows counter %s, the others work through their "
                     "panels", sorted(svc.counters), runtime.counter)
        app = CounterApp(runtime)
        open_panels(parts, svc, app.panel_press_from_any_thread)
        parts.stack.callback(crt.close)  # first at tear-down: stores a Không hài lòng still waiting for its reason
        return app


def open_panels(parts: Parts, svc: CounterService, on_press: Callable[[PanelPress], None]) -> None:
    """One supervisor per configured panel port (stopped at tear-down); the service prompts a
    rating through the panel of the counter's evaluator."""
    senders: dict[str, Callable[[bytes], bool]] = {}
    for p in svc.panels.panels():
        sup = open_panel(p.name, p.port, p.protocol, on_press, health=parts.core.health.report, baudrate=p.baudrate,
                         stable_polls=p.stable_polls)
        parts.stack.callback(sup.stop)
        senders[p.name] = sup.send
    svc.prompt = make_prompter(svc.panels, senders, start_rating_encoder)
