"""The hall display's part of the launch (screens.launch): a speaker, the calls polled from the
central, and the display app."""
from __future__ import annotations

import logging
from typing import Any

from devices.factory import build_speaker
from kiosk.counter.client import CounterClient
from kiosk.sync.sse import stream
from screens.display.calls import CallsPoller
from screens.display.runtime import DisplayRuntime
from screens.kivy_setup import LANDSCAPE
from screens.launch import Parts, close_quietly

log = logging.getLogger(__name__)

POLL_S = 2.0           # only while the push channel is down
STREAM_PATH = "/api/v1/calls/stream"
CALLS_TIMEOUT_S = 5.0  # a poll that waits longer only delays the next one


class DisplayRole:
    name = "display"
    window = (960, 540)
    headless_window = LANDSCAPE
    sync_first_pass = False

    def open_app(self, parts: Parts) -> Any:
        config, core = parts.config, parts.core
        speaker = build_speaker(config, core.data_dir, core.health.report)
        parts.stack.callback(close_quietly, speaker)
        client = parts.central_client(timeout=min(config.central.timeout_s, CALLS_TIMEOUT_S))
        poller = None
        if client is not None:
            # a scenario polls faster, to see calls within its timeouts
            poll_s = getattr(parts.harness, "poll_s", None) or POLL_S
            # its own session: the stream holds a connection open for hours
            pusher = parts.central_client(timeout=min(config.central.timeout_s, CALLS_TIMEOUT_S))
            assert pusher is not None
            poller = CallsPoller(CounterClient(client).calls, config, core.translator, on_calls=lambda calls: None,
                                 on_online=lambda online: None, interval_s=poll_s,
                                 stream_calls=lambda last, on_open: stream(pusher, STREAM_PATH, last, on_open=on_open))
        else:
            log.warning("no central configured: the hall display has no calls to show")
        runtime = DisplayRuntime(**parts.runtime_fields(), speaker=speaker, poller=poller)
        from screens.display.app import DisplayApp  # Kivy: only once configure_kivy() has run
        return DisplayApp(runtime)
