"""What a device's app runs on, built by the launcher before Kivy starts (no Kivy import).
Each role's runtime (screens/<role>/runtime.py) adds its own parts."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kiosk.contract.config import Config
from kiosk.domain.clock import Clock, system_clock
from kiosk.health import HealthBoard
from kiosk.i18n import Translator
from kiosk.storage import Database


@dataclass
class DeviceRuntime:
    config: Config
    translator: Translator
    health: HealthBoard
    db: Database                        # the device database (tickets, ratings, technician PIN, audit)
    data_dir: Path
    clock: Clock = system_clock         # what "now" is (scenarios run on a Monday-morning clock)
    kiosk_mode: bool = False
    # Seconds since the process started, per milestone (start-up time is reported by scenarios).
    timings: dict[str, float] = field(default_factory=dict)
    ready_file: Path | None = None      # start-up timings are written here at the first frame
    config_path: Path | None = None     # the TOML file the technician's device assignment edits
    config_seed: Path | None = None     # copied to config_path at the first save (the demo)
