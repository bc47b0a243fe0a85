"""The base of every lobby screen."""
from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import ObjectProperty
from kivy.uix.screenmanager import Screen


def load_kv(module_file: str) -> None:
    """Load the .kv file next to a screen module (once)."""
    path = str(Path(module_file).with_suffix(".kv"))
    if path not in Builder.files:
        Builder.load_file(path)


class KioskScreen(Screen):
    app = ObjectProperty(None)  # the KioskApp (also reachable as `app` inside .kv rules)

    def prepare(self, **kwargs) -> None:
        """Fill the screen in place before it is shown."""

    def idle_timeout(self) -> float | None:
        """Seconds without a touch before the kiosk goes back to the attract screen."""
        return self.app.kiosk_config.lobby.idle_timeout_s
