"""Between citizens: the counter's number and a welcome (layout in idle.kv)."""
from __future__ import annotations

from kivy.uix.screenmanager import Screen

from screens.base import load_kv
from screens.counter import widgets  # noqa: F401  (rules used in idle.kv)


class IdleScreen(Screen):
    pass


load_kv(__file__)
