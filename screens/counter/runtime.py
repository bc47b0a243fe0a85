"""What the counter app runs on, built by screens.counter.role before Kivy starts (no Kivy)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.counter import CounterService
from kiosk.counter.runtime import CounterRuntime
from screens.runtime import DeviceRuntime


@dataclass(kw_only=True)
class CounterUIRuntime(DeviceRuntime):
    service: CounterService
    counter_runtime: CounterRuntime
    counter: int                        # the counter this screen shows
    panel_names: tuple[str, ...] = ()
    speaker: Any = None                 # devices.speech Speaker: the rating screens speak their question
