"""After the service (and priority) is chosen, when the central has a notification channel:
"Nhận tin nhắn khi sắp đến lượt?" The easy default, a large key, prints the ticket without a
number; "Có" goes to the number pad (phone_entry). Nobody answering prints it without one too."""
from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from kiosk.i18n import N_
from kiosk.lobby import channel_name
from kiosk.ticketing import ServiceView
from screens.base import load_kv
from screens.lobby.base import KioskScreen

EXPLAIN = N_("The centre can send a {channel} message to your phone when your number is about to be called, and a link to rate the service afterwards.")  # noqa: E501  (one catalogue entry)


class PhoneAskScreen(KioskScreen):
    arrival_guard_s = 0.4  # a double tap on the key before lands here: not a choice
    busy = BooleanProperty(False)  # issuing: an overlay covers (disables) every choice
    service_name = StringProperty("")
    explanation = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.view: ServiceView | None = None
        self.group: str | None = None
        self.request_key = ""
        self.app.bind(lang=lambda *a: self._texts())

    def _texts(self) -> None:
        self.explanation = self.app.tr(EXPLAIN).format(channel=channel_name(self.app.lobby.phone_channel))
        if self.view is not None:
            self.service_name = self.view.service.display_name(self.app.lang)

    def prepare(self, view: ServiceView | None = None, group: str | None = None, request_key: str = "",
                **kwargs: Any) -> None:
        if view is not None:  # "Quay lại" from the number pad keeps the choice and its request key
            self.view, self.group, self.request_key = view, group, request_key
        self.busy = False
        self._texts()

    def prompt(self) -> str:
        tr = self.app.tr
        return " ".join((tr("Get a message when your turn is near?"), self.explanation,
                         tr("If not, touch the large blue key to print your ticket.")))

    def no_number(self) -> None:
        """"Không, in phiếu": the ticket as without a channel."""
        if self.busy or self.view is None:
            return
        self.busy = True
        self.app.take_ticket(self.view, self.group, self.request_key, on_finished=self._finished)

    def yes(self) -> None:
        if self.view is not None and not self.busy:
            self.app.go("phone_entry", view=self.view, group=self.group, request_key=self.request_key)

    def back(self) -> None:
        self.app.go("priority", view=self.view)

    def expired(self) -> bool:
        """Nobody answered "more time?": the ticket is printed without a number, as the default key."""
        self.no_number()
        return True

    def _finished(self) -> None:
        self.busy = False


load_kv(__file__)
