"""What the lobby UI runs on: built by screens.run before Kivy starts, with no Kivy import."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from kiosk.contract.config import Config
from kiosk.domain.clock import Clock, system_clock
from kiosk.health import HealthBoard
from kiosk.i18n import Translator
from kiosk.lobby import Lobby
from kiosk.ports import Speaker, TicketPrinter
from kiosk.ticketing import TicketDesk


@dataclass
class LobbyRuntime:
    config: Config
    desk: TicketDesk
    lobby: Lobby
    translator: Translator
    health: HealthBoard
    printer: TicketPrinter
    speaker: Speaker
    data_dir: Path
    clock: Clock = system_clock
    kiosk_mode: bool = False
    # Seconds since the process started, per milestone (start-up time is reported by scenarios).
    timings: dict[str, float] = field(default_factory=dict)
    closers: list[Callable[[], None]] = field(default_factory=list)
    ready_file: Path | None = None  # start-up timings are written here at the first frame
    # The dossier look-up (kiosk.dossier.lookup.DossierDesk); None: no central, no look-up entry.
    dossiers: Any = None
    # The TOML file the technician's device assignment edits; in the demo a copy of config_seed
    # in the data folder, made at the first save.
    config_path: Path | None = None
    config_seed: Path | None = None
