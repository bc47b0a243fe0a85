"""A look-up that shows no dossier: not found, unavailable, a refused payload (a fixed text,
never the input), or a queue ticket scanned instead of a receipt."""
from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.i18n import N_
from screens.base import load_kv
from screens.lobby.base import KioskScreen

MESSAGE_TITLES = {
    "refused": N_("This code cannot be used"),
    "not_found": N_("Dossier not found"),
    "unavailable": N_("The look-up is not available"),
    "ticket": N_("This is a queue ticket"),
}


class LookupMessageScreen(KioskScreen):
    """Not found / unavailable / a refused payload (fixed text) / a queue ticket scanned."""
    kind = StringProperty("")          # refused | not_found | unavailable | ticket
    reason = StringProperty("")
    title = StringProperty("")
    message = StringProperty("")
    number = StringProperty("")        # a scanned queue ticket's number
    detail = StringProperty("")

    def prepare(self, kind: str = "refused", message: str = "", reason: str = "", number: str = "",
                detail: str = "", **kwargs) -> None:
        self.kind, self.reason, self.message = kind, reason, message
        self.number, self.detail = number, detail
        self.title = self.app.tr(MESSAGE_TITLES.get(kind, MESSAGE_TITLES["refused"]))

    def prompt(self) -> str:
        return " ".join(part for part in (self.title + ".", self.message) if part)

    def on_leave(self, *args) -> None:
        self.message = self.detail = self.number = ""


load_kv(__file__)
