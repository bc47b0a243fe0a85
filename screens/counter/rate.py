"""Facing the citizen after a completed service: three big rating buttons. (layout in rate.kv; the actions are CounterApp's)."""
from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import NumericProperty
from kivy.uix.screenmanager import Screen
from kivy.uix.widget import Widget

from screens.base import load_kv
from screens.counter import widgets  # noqa: F401  (rules used in rate.kv)


class RateScreen(Screen):
    pass


class HoldArea(Widget):
    """An invisible control for the officer on a screen facing the citizen: `on_hold` fires after
    a touch held `hold_s` seconds (a citizen's tap does nothing)."""
    hold_s = NumericProperty(1.5)
    __events__ = ("on_hold",)

    def on_touch_down(self, touch: Any) -> bool:
        if not self.collide_point(*touch.pos):
            return bool(super().on_touch_down(touch))
        touch.grab(self)
        touch.ud["hold"] = Clock.schedule_once(lambda dt: self.dispatch("on_hold"), self.hold_s)
        return True

    def on_touch_up(self, touch: Any) -> bool:
        if touch.grab_current is not self:
            return bool(super().on_touch_up(touch))
        touch.ungrab(self)
        ev = touch.ud.pop("hold", None)
        if ev is not None:
            ev.cancel()
        return True

    def on_hold(self) -> None:
        pass


load_kv(__file__)
