"""Officer sign-in: choose your name, type your PIN, or scan your staff card (layout in signin.kv)."""
from __future__ import annotations

from typing import Any

from kivy.uix.screenmanager import Screen

from screens.base import load_kv
from screens.counter import widgets  # noqa: F401  (rules used in signin.kv)
from screens.widgets import BigButton


class SignInScreen(Screen):
    def fill(self, app: Any) -> None:
        """One button per officer of the centre who has a PIN."""
        grid = self.ids.officers
        grid.clear_widgets()
        for o in app.kiosk_config.officers:
            if not o.pin_hash:
                continue  # card only
            b = BigButton(role="secondary", size_hint_y=None)
            b.code = o.code
            b.height = app.u * 110
            b.font_size = app.u * 36
            b.text = o.name
            b.bind(on_release=lambda btn: app.choose_officer(btn.code))
            grid.add_widget(b)

    def show_choice(self, chosen: str) -> None:
        for b in self.ids.officers.children:
            b.role = "primary" if b.code == chosen else "secondary"


load_kv(__file__)
