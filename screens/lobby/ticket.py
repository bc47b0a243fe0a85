"""Ticket screen: the number, very large, with its QR code and the printing status.
Printing and speech run on the device worker; the screen only shows their outcome."""
from __future__ import annotations

import io

import qrcode
import qrcode.constants
from kivy.core.image import Image as CoreImage
from kivy.properties import ObjectProperty, OptionProperty, StringProperty

from kiosk.lobby import LobbyTicket
from kiosk.ports import PrintResult
from screens.base import load_kv
from screens.lobby.base import KioskScreen


def qr_texture(payload: str):
    """The ticket's QR as a Kivy texture (qrcode -> PNG in memory -> kivy.core.image)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    qr.add_data(payload)
    qr.make(fit=True)
    buf = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").get_image().convert("L").save(buf, format="PNG")
    buf.seek(0)
    texture = CoreImage(buf, ext="png", nocache=True).texture
    texture.mag_filter = "nearest"  # crisp modules when scaled up
    texture.min_filter = "nearest"
    return texture


class TicketScreen(KioskScreen):
    number = StringProperty("")
    service_name = StringProperty("")
    details = StringProperty("")
    print_state = OptionProperty("printing", options=("printing", "printed", "failed", "repeated"))
    qr = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lobby_ticket: LobbyTicket | None = None
        self.print_result: PrintResult | None = None

    def prepare(self, lobby_ticket: LobbyTicket | None = None, **kwargs) -> None:
        assert lobby_ticket is not None, "the ticket screen shows a ticket"
        self.lobby_ticket = lobby_ticket
        self.print_result = None
        printout = lobby_ticket.printout
        self.number = printout.number
        self.service_name = printout.service
        note = self.app.lobby.phone_note(lobby_ticket, self.app.lang)  # the number masked, when given
        self.details = "\n".join((*printout.lines, note) if note else printout.lines)
        self.qr = qr_texture(printout.qr_payload)  # the previous ticket's texture is released
        self.print_state = "repeated" if lobby_ticket.ticket.repeated else "printing"

    def print_finished(self, ticket_id: str, result: PrintResult) -> None:
        if self.lobby_ticket is None or self.lobby_ticket.ticket.ticket_id != ticket_id:
            return  # a late answer for an earlier ticket
        self.print_result = result
        self.print_state = "printed" if result.ok else "failed"
        if self.manager and self.manager.current == self.name:
            self.app.reset_idle()  # the stay starts again from the outcome
            if not result.ok:  # a blind citizen must hear that no paper is coming
                self.app.announce(self.status_text("failed", self.app.lang))

    def prompt(self) -> str:
        if self.lobby_ticket is None:
            return ""
        t = self.lobby_ticket
        return self.app.lobby.announcement(t.ticket, self.app.lang) + " " + self.status_text(self.print_state, self.app.lang)

    def speaks_on_arrival(self) -> bool:
        return False  # the number is spoken with the print (kiosk.lobby.Lobby.deliver); a failure is said below

    def idle_timeout(self) -> float | None:
        lobby = self.app.kiosk_config.lobby
        if self.print_state == "failed":
            # No paper ticket: leave time to note the number or photograph the screen.
            return min(max(lobby.ticket_screen_s * 4, 60.0), 180.0)
        if self.print_state == "printing":
            return max(lobby.ticket_screen_s, lobby.idle_timeout_s)
        return lobby.ticket_screen_s

    def status_text(self, state: str, lang: str) -> str:
        tr = self.app.tr
        if state == "printed":
            return tr("Your ticket is printed. Please take it.", lang)
        if state == "failed":
            return tr("The printer has a problem. Please remember your number or take a photo of the screen.", lang)
        if state == "repeated":
            return tr("This number was just given to you. Please take your ticket.", lang)
        return tr("Printing your ticket...", lang)


load_kv(__file__)
