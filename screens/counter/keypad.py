"""Typed call, for offline use: digits, and the services' letters when the counter serves
several prefixes (layout in keypad.kv)."""
from __future__ import annotations

from typing import Any

from kivy.uix.screenmanager import Screen

from screens.base import load_kv
from screens.counter import widgets  # noqa: F401  (rules used in keypad.kv)
from screens.widgets import BigButton


class KeypadScreen(Screen):
    def fill(self, app: Any) -> None:
        """The letter keys of the counter's services (none when one prefix: digits are enough)."""
        row = self.ids.prefixes
        row.clear_widgets()
        config = app.kiosk_config
        counter = next((c for c in config.counters if c.number == app.counter_no), None)
        prefixes: list[str] = []
        for code in (counter.services if counter else []):
            p = config.service(code).prefix
            if p and p not in prefixes:
                prefixes.append(p)
        for p in prefixes if len(prefixes) > 1 else []:
            b = BigButton(role="secondary", text=p)
            b.font_size = app.u * 60
            b.bind(on_release=lambda btn: app.key(btn.text))
            row.add_widget(b)
        row.opacity = 1 if row.children else 0
        row.height = app.u * 130 if row.children else 0


load_kv(__file__)
