"""The citizen's mobile number on a telephone keypad, with the one-line consent and "Đồng ý, in
phiếu". The number shows grouped while it is typed (0912 345 678), is checked as a Vietnamese
mobile number (kiosk.contract.phone), goes only into ticket.issued, and is forgotten when the
screen is left; the ticket screen confirms it masked (09******78). Never logged."""
from __future__ import annotations

from typing import Any, Callable

from kivy.properties import BooleanProperty, StringProperty

from kiosk.contract.phone import normalise
from kiosk.i18n import N_
from kiosk.ticketing import ServiceView
from screens.base import load_kv
from screens.keyboard import NumberPad  # noqa: F401  (used in phone_entry.kv)
from screens.lobby.base import KioskScreen

CONSENT = N_("The number is used only to tell you when your turn is near and to ask your opinion today; it is deleted at the end of the day.")  # noqa: E501
WRONG = N_("This is not a mobile number. Please type 10 digits starting with 03, 05, 07, 08 or 09.")


def grouped(digits: str) -> str:
    """0912345678 -> 0912 345 678, as people read a number back."""
    return " ".join(part for part in (digits[:4], digits[4:7], digits[7:]) if part)


class PhoneEntryScreen(KioskScreen):
    arrival_guard_s = 0.4  # a double tap on the key before lands here: not a choice
    busy = BooleanProperty(False)
    error = StringProperty("")

    grouped = staticmethod(grouped)  # for phone_entry.kv

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.view: ServiceView | None = None
        self.group: str | None = None
        self.request_key = ""

    def prepare(self, view: ServiceView | None = None, group: str | None = None, request_key: str = "",
                **kwargs: Any) -> None:
        self.view, self.group, self.request_key = view, group, request_key
        self.ids.pad.clear()
        self.error = ""
        self.busy = False

    def prompt(self) -> str:
        tr = self.app.tr
        return " ".join((tr("Please type your mobile phone number on the keys."), tr(CONSENT),
                         tr("Then touch: I agree, print my ticket.")))

    def voiced_key(self, key: Any, action: Callable[[], None]) -> None:
        self.error = ""  # a new key: the last complaint no longer applies
        self.app.voiced(key, action)

    def agree(self) -> None:
        """"Đồng ý, in phiếu": a valid number issues the ticket with it; a wrong one is explained."""
        if self.busy or self.view is None:
            return
        try:
            phone = normalise(self.ids.pad.text)
        except ValueError:
            self.error = self.app.tr(WRONG)
            self.app.announce(self.error)
            return
        self.busy = True
        self.app.take_ticket(self.view, self.group, self.request_key, on_finished=self._finished, phone=phone)

    def back(self) -> None:
        self.app.go("phone_ask")

    def expired(self) -> bool:
        """Nobody answered "more time?": the ticket is printed, without the half-typed number."""
        if self.view is not None and not self.busy:
            self.busy = True
            self.ids.pad.clear()
            self.app.take_ticket(self.view, self.group, self.request_key, on_finished=self._finished)
        return True

    def _finished(self) -> None:
        self.busy = False

    def on_leave(self, *args: Any) -> None:
        self.ids.pad.clear()  # the next citizen never sees this one's number
        self.error = ""
        self.busy = False


load_kv(__file__)
