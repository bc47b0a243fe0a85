"""Không hài lòng: the reasons, "Lý do khác", and the countdown (layout in reason.kv)."""
from __future__ import annotations

from typing import Any

from kivy.uix.screenmanager import Screen

from screens.base import load_kv
from screens.counter import widgets  # noqa: F401  (rules used in reason.kv)
from screens.widgets import BigButton


class ReasonScreen(Screen):
    def fill(self, app: Any) -> None:
        """One big button per configured reason."""
        grid = self.ids.reasons
        grid.clear_widgets()
        for code in app.svc.rules.reasons:
            b = BigButton(role="secondary" if code == "other" else "primary", size_hint_y=None)
            b.code = code
            b.height = app.u * 170
            b.font_size = app.u * 46
            b.text = app.reason_label(code, app.lang)
            b.bind(on_release=lambda btn: app.choose_reason(btn.code))
            grid.add_widget(b)
        b = BigButton(role="secondary", size_hint_y=None)
        b.code = "declined"
        b.height = app.u * 170
        b.font_size = app.u * 46
        b.text = app.tr("I prefer not to answer", app.lang)
        b.bind(on_release=lambda btn: app.decline_reason())
        grid.add_widget(b)
        self.ids["declined"] = b


load_kv(__file__)
