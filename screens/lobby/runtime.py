"""What the lobby app runs on, built by screens.lobby.role before Kivy starts (no Kivy import)."""
from __future__ import annotations

from dataclasses import dataclass

from devices.speech.jack import JackReader
from kiosk.dossier.lookup import DossierDesk
from kiosk.lobby import Lobby
from kiosk.ports import Speaker, TicketPrinter
from kiosk.ticketing import TicketDesk
from screens.runtime import DeviceRuntime


@dataclass(kw_only=True)
class LobbyRuntime(DeviceRuntime):
    desk: TicketDesk
    lobby: Lobby
    printer: TicketPrinter
    speaker: Speaker
    dossiers: DossierDesk | None = None  # None: no central, no look-up entry on the attract screen
    jack: JackReader | None = None  # the headphone jack (speech.headphone_jack); None: not watched
