"""The base of the technician screens (shared rules in base.kv): the screen with its busy flag
and message, a collapsible section, and the choice buttons' cycling. Each screen asks
TechnicianSession for its data through TechnicianMode.run (a worker thread) and shows the
answer; none touches a device, a file or the network on the UI thread."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from kiosk.i18n import N_
from screens import widgets  # noqa: F401  (BigButton, WrapLabel, BoxLabel: bases of rules in base.kv)
from screens.base import load_kv

ROLE_TEXT = {"lobby": N_("Lobby kiosk"), "counter": N_("Counter terminal"), "display": N_("Hall display"),
             "rating": N_("Rating terminal")}


def cycle(options: list | tuple, current):
    options = list(options)
    if not options:
        return current
    return options[(options.index(current) + 1) % len(options)] if current in options else options[0]


class Collapsible(BoxLayout):
    """A vertical section that can be hidden. Hidden, its children leave the widget tree: a
    zero-height box would still lay them over its neighbours, and its buttons would take
    their touches."""
    shown = BooleanProperty(True)

    def on_kv_post(self, base_widget) -> None:
        self._stash: list = []
        self._apply()

    def on_shown(self, *args) -> None:
        self._apply()

    def _apply(self) -> None:
        if not hasattr(self, "_stash"):
            return
        if self.shown and self._stash:
            for widget in reversed(self._stash):  # children are listed last-added first
                self.add_widget(widget)
            self._stash = []
        elif not self.shown and self.children:
            self._stash = list(self.children)
            self.clear_widgets()


class TechScreen(Screen):
    app = ObjectProperty(None)
    mode = ObjectProperty(None)
    busy = BooleanProperty(False)
    message = StringProperty("")
    message_ok = BooleanProperty(False)

    def tr(self, msgid: str) -> str:
        return self.app.tr(msgid)

    def prepare(self, **kwargs) -> None:
        self.message = ""
        self.busy = False

    def idle_timeout(self) -> float | None:
        return None  # TechnicianMode has its own, longer, inactivity timeout

    def say(self, text: str, ok: bool = False) -> None:
        self.message, self.message_ok, self.busy = text, ok, False

    def local_time(self, when: dt.datetime) -> str:
        return when.astimezone(ZoneInfo(self.app.kiosk_config.centre.timezone)).strftime("%H:%M:%S")


load_kv(__file__)
