"""Facing the citizen after a completed service: three big rating buttons. (layout in rate.kv; the actions are CounterApp's)."""
from __future__ import annotations

from kivy.uix.screenmanager import Screen

from screens.base import load_kv
from screens.counter import widgets  # noqa: F401  (rules used in rate.kv)


class RateScreen(Screen):
    pass


load_kv(__file__)
