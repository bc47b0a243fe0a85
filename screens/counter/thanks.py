"""The thank-you after a rating, then back to the counter view. (layout in thanks.kv; the actions are CounterApp's)."""
from __future__ import annotations

from kivy.uix.screenmanager import Screen

from screens.base import load_kv
from screens.counter import widgets  # noqa: F401  (rules used in thanks.kv)


class ThanksScreen(Screen):
    pass


load_kv(__file__)
