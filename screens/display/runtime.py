"""What the hall display's app runs on, built by screens.display.role before Kivy starts."""
from __future__ import annotations

from dataclasses import dataclass

from kiosk.ports import Speaker
from screens.display.calls import CallsPoller
from screens.runtime import DeviceRuntime


@dataclass(kw_only=True)
class DisplayRuntime(DeviceRuntime):
    speaker: Speaker
    poller: CallsPoller | None = None   # None: no central, no calls (started by the app)
