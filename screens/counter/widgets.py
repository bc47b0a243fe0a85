"""Widgets shared by the counter's screens (layout in widgets.kv): cards, the officer's
avatar, the big rating buttons, the action and keypad buttons."""
from __future__ import annotations

from kivy.properties import NumericProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from screens import widgets  # noqa: F401  (BigButton, BoxLabel: the base of rules in widgets.kv)
from screens.base import load_kv


class RatingButton(ButtonBehavior, BoxLayout):
    """One big rating choice: a drawn face (mood 1 / 0 / -1) and its label."""
    level = StringProperty("")
    text = StringProperty("")
    mood = NumericProperty(0)
    fill = ObjectProperty((0, 0, 0, 1))
    fill_down = ObjectProperty((0, 0, 0, 1))


class Avatar(BoxLayout):
    """The officer's photo, or a circle with their initials when there is none."""
    photo = StringProperty("")
    initials = StringProperty("")


load_kv(__file__)
