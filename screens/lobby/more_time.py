"""Kind timeouts (WCAG 2.2.1): before a lobby screen goes home by itself, it asks "Ông/Bà cần
thêm thời gian?" with a large key and a countdown; any touch keeps the screen, the countdown's
end goes home. Layout in more_time.kv."""
from __future__ import annotations

import math
import time
from typing import Any, Callable

from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty
from kivy.uix.anchorlayout import AnchorLayout

from screens.base import load_kv


class MoreTimeView(AnchorLayout):
    """The question over the whole window (the last child of LobbyRoot, so screenshots of the
    root show it). `on_expired` runs when nobody answers."""
    seconds_left = NumericProperty(0)
    shown = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app: Any = None
        self.on_expired: Callable[[], None] = lambda: None
        self._ends_at = 0.0
        self._tick_ev: Any = None

    def ask(self, seconds: float) -> None:
        self._ends_at = time.monotonic() + seconds
        self.seconds_left = math.ceil(seconds)
        self.shown = True
        if self._tick_ev is None:
            self._tick_ev = Clock.schedule_interval(self._tick, 0.25)

    def _tick(self, *args: Any) -> None:
        left = self._ends_at - time.monotonic()
        self.seconds_left = max(0, math.ceil(left))
        if left <= 0:
            self.close()
            self.on_expired()

    def close(self) -> None:
        if self._tick_ev is not None:
            self._tick_ev.cancel()
            self._tick_ev = None
        self.shown = False

    def on_touch_down(self, touch: Any) -> bool:
        if not self.shown:
            return False
        if self.ids.home.collide_point(*touch.pos):
            return super().on_touch_down(touch)  # "go back to the start" takes its own touch
        self.app.keep_screen()  # any other touch means someone is there: the screen stays
        return True

    def on_touch_move(self, touch: Any) -> bool:
        return self.shown or super().on_touch_move(touch)

    def on_touch_up(self, touch: Any) -> bool:
        return super().on_touch_up(touch) or self.shown


load_kv(__file__)
