"""Attract screen: the centre's name, the time, and "touch to take a number"."""
from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import StringProperty

from kiosk.i18n import N_
from screens.base import load_kv
from screens.lobby.base import KioskScreen

# Each language is named in itself, so it is never translated.
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}
WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
            N_("Saturday"), N_("Sunday"))


class AttractScreen(KioskScreen):
    language_names = LANGUAGE_NAMES
    centre_name = StringProperty("")
    time_text = StringProperty("")
    date_text = StringProperty("")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._tick_ev = None
        self.app.bind(lang=lambda *a: self.refresh())
        self.refresh()

    def idle_timeout(self) -> float | None:
        return None  # already home

    def prompt(self) -> str:
        return self.app.tr("Welcome. Please touch the screen to take a number.")

    def refresh(self) -> None:
        self.centre_name = self.app.kiosk_config.centre.display_name(self.app.lang)
        self._tick()

    def _tick(self, *args) -> None:
        now = self.app.now_local()
        hhmm = now.strftime("%H:%M")
        if hhmm != self.time_text:  # a new texture once a minute, not every second
            self.time_text = hhmm
        date = "{}, {}".format(self.app.tr(WEEKDAYS[now.weekday()]), now.strftime("%d/%m/%Y"))
        if date != self.date_text:
            self.date_text = date

    def on_pre_enter(self, *args) -> None:
        self.refresh()
        if self._tick_ev is None:
            self._tick_ev = Clock.schedule_interval(self._tick, 1)

    def on_leave(self, *args) -> None:
        if self._tick_ev is not None:
            self._tick_ev.cancel()
            self._tick_ev = None

    # Touch anywhere but the language switch: take a number.
    def on_touch_down(self, touch):
        if super().on_touch_down(touch):
            return True  # the language switch took it
        if self.collide_point(*touch.pos):
            touch.ud["attract"] = self
            return True
        return False

    def on_touch_up(self, touch):
        if touch.ud.get("attract") is self and self.manager and self.manager.current == self.name:
            self.app.voiced(self, self.app.start, self.prompt())
            return True
        return super().on_touch_up(touch)


load_kv(__file__)
