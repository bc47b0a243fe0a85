"""The hall display's one screen: header, offline banner, the newest call large, the previous
ones listed, the status bar (layout in board.kv). Built once, updated in place."""
from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from screens import widgets  # noqa: F401  (the status bar)
from screens.base import load_kv

HISTORY_ROWS = 4        # previous calls listed beside the newest one, 140 px high at 1080p (readable at 10 m)


class CallRow(BoxLayout):
    number = StringProperty("")
    counter = StringProperty("")
    odd = BooleanProperty(False)


class DisplayRoot(BoxLayout):
    """Header, offline banner, the calls, status bar (board.kv)."""


class CallsScreen(Screen):
    """The calls board, in a ScreenManager so the technician screens can replace it."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.board = DisplayRoot()
        self.rows: list[CallRow] = []
        for i in range(HISTORY_ROWS):
            row = CallRow(odd=bool(i % 2))
            self.board.ids.history.add_widget(row)
            self.rows.append(row)
        self.add_widget(self.board)


load_kv(__file__)
