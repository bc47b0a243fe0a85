"""The look-up screen: scan the QR on the receipt, or type the code on the on-screen keyboard.

The look-up itself runs in screens.lobby.dossier_lookup.DossierLookup (its own worker); the
answer is shown by the dossier and lookup_message screens: masked, translated, never the raw
input. The typed code is forgotten when the screen is left.
"""
from __future__ import annotations

from typing import Any, Callable

from kivy.properties import BooleanProperty, ObjectProperty
from kivy.uix.widget import Widget

from screens.base import load_kv
from screens.keyboard import CodeKeyboard  # noqa: F401  (used in lookup.kv)
from screens.lobby.base import KioskScreen
from screens.lobby.ticket import qr_texture


class LookupScreen(KioskScreen):
    """Scan the QR on the receipt, or type the code on the on-screen keyboard."""
    busy = BooleanProperty(False)
    hint_qr = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.hint_qr = qr_texture("Tra cuu ho so")  # the picture's QR: any pattern, never a code

    def prepare(self, **kwargs) -> None:
        self.ids.keyboard.clear()
        self.busy = False

    def prompt(self) -> str:
        tr = self.app.tr
        if self.app.scanner_ready:
            return tr("Scan the QR code on your appointment slip for results")
        return tr("Type the dossier code printed on your appointment slip for results")

    def voiced_key(self, key: Any, action: Callable[[], None]) -> None:
        """The keyboard in voice mode: the first touch says the key ('.' and '-' by name)."""
        tr = self.app.tr
        words = {".": tr("Dot"), "-": tr("Dash")}.get(getattr(key, "value", ""))
        self.app.voiced(key, action, words)

    def submit(self) -> None:
        code = self.ids.keyboard.text.strip()
        if not code or self.busy:
            return
        self.app.lookup.look_up(code, source="keyboard")

    def on_leave(self, *args) -> None:
        self.ids.keyboard.clear()  # the next citizen does not see this one's code
        self.busy = False


class ReceiptPicture(Widget):
    """A drawn receipt with its QR code highlighted: where to look on the paper."""
    qr = ObjectProperty(None, allownone=True)


load_kv(__file__)
