"""Priority question: a regular number, or one for a legal priority group. Choosing issues
the ticket on the desk worker (or first asks for a phone number, screens.lobby.phone_ask, when
the central has a notification channel); a second tap in the meantime cannot issue a second one."""
from __future__ import annotations

import uuid

from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty

from kiosk.ticketing import ServiceView
from screens.base import load_kv
from screens.lobby.base import KioskScreen


class PriorityScreen(KioskScreen):
    busy = BooleanProperty(False)       # issuing: an overlay covers (disables) every choice
    has_groups = BooleanProperty(False)  # a centre may configure no priority groups
    service_name = StringProperty("")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.view: ServiceView | None = None
        self.request_key = ""
        self.group_buttons: dict = {}
        for group in self.app.kiosk_config.priority_groups:
            button = Factory.GroupButton()
            button.group_code = group.code
            button.bind(on_release=lambda b: self.app.voiced(b, lambda: self.choose(b.group_code)))
            self.ids.groups.add_widget(button)
            self.group_buttons[group.code] = button
        self.has_groups = bool(self.group_buttons)
        self.app.bind(lang=lambda *a: self._texts(), portrait=lambda *a: self._layout())
        self._layout()
        self._texts()

    def _layout(self) -> None:
        self.ids.groups.cols = 1 if self.app.portrait else 2

    def _texts(self) -> None:
        lang = self.app.lang
        for code, button in self.group_buttons.items():
            button.text = self.app.kiosk_config.priority_group(code).display_name(lang)
        if self.view is not None:
            self.service_name = self.view.service.display_name(lang)

    def prepare(self, view: ServiceView | None = None, **kwargs) -> None:
        self.view = view
        self.request_key = str(uuid.uuid4())  # one key per showing: a double tap reuses it
        self.busy = False
        self._texts()

    def prompt(self) -> str:
        tr = self.app.tr
        return " ".join((self.service_name + ".", tr("Are you in a priority group?"),
                         tr("If not, touch the large blue key to take a regular number.")))

    def choose(self, group: str | None) -> None:
        if self.busy or self.view is None:
            return
        self.busy = True
        self.app.choose_group(self.view, group, self.request_key, on_finished=self._finished)

    def _finished(self) -> None:
        self.busy = False


load_kv(__file__)
