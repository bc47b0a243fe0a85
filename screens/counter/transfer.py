"""Chuyển lĩnh vực: the service picker, the current service greyed (layout in transfer.kv)."""
from __future__ import annotations

from typing import Any

from kivy.uix.screenmanager import Screen

from screens.base import load_kv
from screens.counter import widgets  # noqa: F401  (rules used in transfer.kv)
from screens.widgets import BigButton


class TransferScreen(Screen):
    def fill(self, app: Any) -> None:
        """One button per service of the centre."""
        grid = self.ids.services
        grid.clear_widgets()
        for s in app.kiosk_config.services:
            b = BigButton(role="secondary", size_hint_y=None)
            b.code = s.code
            b.height = app.u * 120
            b.font_size = app.u * 36
            b.text = s.display_name(app.lang)
            b.bind(on_release=lambda btn: app.transfer(btn.code))
            grid.add_widget(b)

    def show_for(self, app: Any, current: str | None) -> None:
        """Names in the language shown now; the service being served cannot be chosen."""
        for b in self.ids.services.children:
            b.disabled = b.code == current
            b.text = app.service_label(b.code, app.lang)


load_kv(__file__)
