"""The lobby kiosk's part of the launch (screens.launch): a printer, a speaker, the ticket flow,
the dossier look-up on the central, and the lobby app."""
from __future__ import annotations

from typing import Any

from devices.factory import build_printer, build_speaker
from devices.speech.jack import build_jack_reader
from kiosk.dossier.lookup import CACHE_FILE, CachedLookup, CentralDossierSource, DossierDesk
from kiosk.lobby import Lobby
from screens.kivy_setup import DEMO_WINDOW, PORTRAIT
from screens.launch import Parts, close_quietly
from screens.lobby.runtime import LobbyRuntime

LOOKUP_TIMEOUT_S = 3.0  # a citizen waits at the screen: the cache answers when the central is slow


class LobbyRole:
    name = "lobby"
    window = DEMO_WINDOW
    headless_window = PORTRAIT
    sync_first_pass = True  # the demo's central answers at once: start with its leases and config

    def open_app(self, parts: Parts) -> Any:
        config, core = parts.config, parts.core
        printer = build_printer(config, core.data_dir, core.health.report)
        parts.stack.callback(close_quietly, printer)
        speaker = build_speaker(config, core.data_dir, core.health.report)
        parts.stack.callback(close_quietly, speaker)
        dossiers = dossier_desk(parts)
        if dossiers is not None:
            parts.stack.callback(dossiers.lookup.close)
        runtime = LobbyRuntime(**parts.runtime_fields(), desk=core.desk, printer=printer, speaker=speaker,
                               lobby=Lobby(config, core.desk, printer, speaker, core.translator, core.health),
                               dossiers=dossiers, jack=build_jack_reader(config.speech.headphone_jack,
                                                                         config.speech.jack_device,
                                                                         config.speech.jack_control))
        from screens.lobby.app import LobbyApp  # Kivy: only once configure_kivy() has run
        return LobbyApp(runtime)


def dossier_desk(parts: Parts) -> DossierDesk | None:
    """The dossier look-up on the kiosk's central (masked answers cached in the data folder), or
    None when the kiosk has no central (the attract screen then shows no look-up entry)."""
    client = parts.central_client()
    if client is None:
        return None
    config = parts.config
    source = CentralDossierSource(client, timeout=min(LOOKUP_TIMEOUT_S, config.central.timeout_s))
    base, key = config.central.public_url or config.central.url, config.central.ticket_key
    page = (base, key) if base and key else None
    return DossierDesk(CachedLookup(source, parts.core.data_dir / CACHE_FILE), centre_code=config.centre.code,
                       translate=parts.core.translator.gettext, timezone=config.centre.timezone, now=parts.clock,
                       ticket_page=page)
