"""The base of every lobby screen."""
from __future__ import annotations

import time
from typing import Any

from kivy.properties import ObjectProperty
from kivy.uix.screenmanager import Screen


class KioskScreen(Screen):
    app = ObjectProperty(None)  # the LobbyApp (also reachable as `app` inside .kv rules)
    # Touches this soon after the screen appeared are ignored: the second touch of a double tap on
    # the screen before must not choose here (0: no guard).
    arrival_guard_s = 0.0

    def on_touch_down(self, touch: Any) -> bool:
        if self.arrival_guard_s and time.monotonic() - self.app.screen_shown_at < self.arrival_guard_s:
            return True
        return bool(super().on_touch_down(touch))

    def prepare(self, **kwargs: Any) -> None:
        """Fill the screen in place before it is shown."""

    def prompt(self) -> str:
        """What the screen says on arrival and on "Nghe lại" (a translated catalogue entry);
        "" only where another part speaks (the ticket screen's number is spoken with the print)."""
        return ""

    def speaks_on_arrival(self) -> bool:
        return True

    def expired(self) -> bool:
        """Nobody answered "more time?": True when the screen did its own default instead of the
        return to the attract screen."""
        return False

    def idle_timeout(self) -> float | None:
        """Seconds without a touch before the kiosk goes back to the attract screen."""
        return self.app.kiosk_config.lobby.idle_timeout_s

    def texts(self) -> list[str]:
        """Every text the screen's labels show now (tests check that nothing unmasked is there)."""
        out = []
        stack: list[Any] = [self]
        while stack:
            w = stack.pop()
            text = getattr(w, "text", None)
            if isinstance(text, str) and text:
                out.append(text)
            stack.extend(w.children)
        return out
