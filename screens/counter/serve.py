"""The counter view: the officer, the number being served and the officer's actions. (layout in serve.kv; the actions are CounterApp's)."""
from __future__ import annotations

from kivy.uix.screenmanager import Screen

from screens.base import load_kv
from screens.counter import widgets  # noqa: F401  (rules used in serve.kv)


class ServeScreen(Screen):
    pass


load_kv(__file__)
