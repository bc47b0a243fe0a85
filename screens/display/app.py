"""The hall display: the newest call large, the previous ones in a list, each new call spoken.

Calls come from a CallsPoller thread (screens.display.calls) through Clock; the views are built
once and updated in place (a display runs for months)."""
from __future__ import annotations

import datetime as dt
import logging
from collections import deque
from typing import Any
from zoneinfo import ZoneInfo

from pathlib import Path

from kivy.clock import Clock
from kivy.core.audio import SoundLoader
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk.contract.config import Config
from kiosk.i18n import N_
from screens.app import DeviceApp
from screens.display.board import HISTORY_ROWS, CallsScreen
from screens.display.calls import Call
from screens.display.runtime import DisplayRuntime
from screens.ui_thread import on_ui_thread

log = logging.getLogger(__name__)

SPEAK_AT_MOST = 2       # per batch: after an outage, only the newest calls are read aloud
SAY_TIMES = 2           # each announcement is read twice (issue 15: easy to miss once)
HIGHLIGHT_S = 6.0       # a new call flashes this long
FLASH_S = 0.5
CHIME = Path(__file__).with_name("chime.wav")


class DisplayApp(DeviceApp):
    title = "Kiosk Một Cửa - Màn hình gọi số"
    offline_text = N_("Connection lost")
    latest_number = StringProperty("")
    latest_counter = StringProperty("")
    latest_text = StringProperty("")
    clock_text = StringProperty("")
    centre_name = StringProperty("")
    highlight = BooleanProperty(False)

    def __init__(self, runtime: DisplayRuntime, **kwargs: Any) -> None:
        super().__init__(runtime, **kwargs)
        self.speaker = runtime.speaker
        self.poller = runtime.poller
        self.calls: deque[Call] = deque(maxlen=HISTORY_ROWS + 1)   # newest first
        self.spoken: list[str] = []                                 # spoken texts, for scenarios
        self.online = True
        self.centre_name = runtime.config.centre.display_name(self.lang)
        self._tz = ZoneInfo(runtime.config.centre.timezone)
        self.chimes = 0                                             # chimes played, for scenarios
        self._chime: Any = None
        self._flash_until = 0.0
        self._flash_event: Any = None

    def counters_text(self, counters: tuple[int, ...], lang: str | None = None) -> str:
        if not counters:
            return "?"
        if len(counters) == 1:
            return str(counters[0])
        return self.tr(N_("{first} or {second}"), lang).format(first=", ".join(map(str, counters[:-1])),
                                                               second=counters[-1])

    def build(self) -> ScreenManager:
        self.setup_window()  # first: the screens are laid out in app.u
        sm = ScreenManager(transition=NoTransition())
        calls = CallsScreen(name="calls")
        sm.add_widget(calls)
        self.sm = sm
        self.rows = calls.rows
        self._tick_clock()
        Clock.schedule_interval(lambda dt_: self._tick_clock(), 10)
        self.update_devices_text()
        self.install_technician(sm, home="calls")
        return sm

    def on_start(self) -> None:
        super().on_start()
        if self.poller is not None:
            self.poller.on_calls = lambda calls: on_ui_thread(lambda: self.show_calls(calls))
            self.poller.on_online = lambda online: on_ui_thread(lambda: setattr(self, "online", online))
            self.poller.start()

    def on_stop(self) -> None:
        super().on_stop()
        if self.poller is not None:
            self.poller.stop()

    def apply_config(self, config: Config) -> None:
        """A new centre configuration: its name and time zone (the calls come from the central)."""
        super().apply_config(config)
        self.centre_name = config.centre.display_name(self.lang)
        self._tz = ZoneInfo(config.centre.timezone)
        self._tick_clock()

    def _tick_clock(self) -> None:
        self.clock_text = dt.datetime.now(self._tz).strftime("%H:%M")

    def show_calls(self, calls: list[Call]) -> None:
        """New calls, oldest first: the newest is shown large, all are listed, the newest
        SPEAK_AT_MOST are announced."""
        for call in calls:
            self.calls.appendleft(call)
        newest = self.calls[0]
        self.latest_number = newest.display_number
        self.latest_counter = self.counters_text(newest.counters)
        self.latest_text = newest.text
        previous = list(self.calls)[1:]
        for i, row in enumerate(self.rows):
            shown = previous[i] if i < len(previous) else None
            row.number = shown.display_number if shown else ""
            row.counter = self.counters_text(shown.counters) if shown else ""
        self.flash()
        self.chime()
        for call in calls[-SPEAK_AT_MOST:]:
            for _ in range(SAY_TIMES):
                if self.speaker is not None:
                    self.speaker.say(call.spoken, call.language)
                self.spoken.append(call.spoken)

    def chime(self) -> None:
        """The two-tone chime before the announcement (SDL audio; silent without a sound card)."""
        if self._chime is None:
            self._chime = SoundLoader.load(str(CHIME)) or False
        if self._chime:
            self._chime.stop()
            self._chime.play()
        self.chimes += 1

    def flash(self) -> None:
        """The newest call's panel blinks for HIGHLIGHT_S, then stays plain."""
        self._flash_until = Clock.get_time() + HIGHLIGHT_S
        self.highlight = True
        if self._flash_event is None:
            self._flash_event = Clock.schedule_interval(self._flash_step, FLASH_S)

    def _flash_step(self, _dt: float) -> bool:
        if Clock.get_time() >= self._flash_until:
            self.highlight, self._flash_event = False, None
            return False
        self.highlight = not self.highlight
        return True

    def update_devices_text(self) -> None:
        speech = self.health_states.get("speech")
        ok = speech is None or speech.state.value in ("ok", "unknown")
        self.devices_ok = ok
        self.devices_text = self.tr(N_("Announcements ready")) if ok else self.tr(N_("Announcements not working"))
