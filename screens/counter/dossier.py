"""Hồ sơ: type a dossier code served with this ticket (a scan links it from any officer view);
the codes linked so far are listed (layout in dossier.kv)."""
from __future__ import annotations

from kivy.uix.screenmanager import Screen

from screens.base import load_kv
from screens.counter import widgets  # noqa: F401  (rules used in dossier.kv)
from screens.keyboard import CodeKeyboard  # noqa: F401  (used in dossier.kv)


class DossierScreen(Screen):
    def clear(self) -> None:
        self.ids.keyboard.clear()


load_kv(__file__)
