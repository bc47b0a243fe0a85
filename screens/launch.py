"""One launcher for every device role (lobby kiosk, counter terminal, hall display, and the roles
to come). It composes, once, on one ExitStack:

    config (+ a harness's changes) -> Kivy settings -> the demo's central or the saved enrolment
    -> core -> the role's devices and app -> sync -> scanner -> the app runs

and closes them in reverse order when the app stops; a factory reset confirmed on the technician
screens runs once everything is closed. A role (screens/<role>/role.py) adds only what differs:
its devices, its runtime and its app. A harness (screens.scenarios: a headless scenario, or the
demo's seeding) is handed in by the command line; the launcher never imports it.

Kivy must be configured before any Kivy module is imported: nothing imported here imports Kivy,
and each role imports its app only in `open_app`, after `configure_kivy()`.
"""
from __future__ import annotations

import logging
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from devices.scanner import open_scanner
from kiosk.bootstrap import Core, build_core
from kiosk.contract.config import Config, load_config
from kiosk.domain.clock import Clock, system_clock
from kiosk.sync.client import CentralClient
from kiosk.sync.enrolment import apply_saved
from kiosk.sync.service import SyncService, load_cached_centre
from kiosk.technician import RESTART_EXIT
from provisioning.demo import start_demo_central
from provisioning.transfer import factory_reset
from screens.kivy_setup import configure_kivy
from screens.startup import process_age_s

log = logging.getLogger(__name__)


class Driver(Protocol):
    exit_code: int


class Harness(Protocol):
    """What drives a launched app besides a person: a headless scenario, or the demo's seeding."""
    embedded_central: bool  # a demo runs on the demo's central (False: a device fresh from the box)
    notify_channel: str | None  # "zalo" | "sms": the demo's central sends through a gateway simulator

    def prepare(self, config: Config, data_dir: Path) -> tuple[Config, Clock | None]:
        """The config (and clock) to run on, before Kivy is configured."""

    def setup(self, parts: Parts) -> None:
        """Once the core is built, before the app (closers go onto parts.stack)."""

    def attach(self, app: Any, out_dir: Path) -> Driver | None:
        """Before the app runs; the driver's exit_code is the process's."""

    def cleanup(self) -> None:
        """After everything else is closed."""


class Role(Protocol):
    name: str
    window: tuple[int, int]           # an interactive demo's window
    headless_window: tuple[int, int]  # a headless scenario's screen
    sync_first_pass: bool             # on the demo's central: one sync pass before the app starts

    def open_app(self, parts: Parts) -> Any:
        """Open the role's devices (their closers onto parts.stack) and build its app."""


@dataclass
class Parts:
    """What the launcher has composed, handed to the role and the harness."""
    role: str
    config: Config
    data_dir: Path
    core: Core
    clock: Clock
    stack: ExitStack
    kiosk_mode: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    ready_file: Path | None = None
    config_path: Path | None = None   # the TOML file the technician's device assignment edits
    config_seed: Path | None = None   # copied to config_path at the first save (the demo)
    harness: Harness | None = None
    central: Any = None               # the demo's embedded central (central.embedded), or None

    def central_client(self, timeout: float | None = None) -> CentralClient | None:
        return central_client(self.config, timeout)

    def runtime_fields(self) -> dict[str, Any]:
        """What every role's runtime (screens.runtime.DeviceRuntime) is built from."""
        core = self.core
        return {"config": self.config, "translator": core.translator, "health": core.health, "db": core.db,
                "data_dir": core.data_dir, "clock": self.clock, "kiosk_mode": self.kiosk_mode,
                "timings": self.timings, "ready_file": self.ready_file, "config_path": self.config_path,
                "config_seed": self.config_seed}


def central_client(config: Config, timeout: float | None = None) -> CentralClient | None:
    """The client of the device's central, None for a standalone device. The one place it is
    built from the config: sync, dossier look-up, counter calls and hall display all get it here."""
    c = config.central
    if c.url is None:
        return None
    return CentralClient(c.url, c.token, ca_file=c.ca_file, timeout=timeout or c.timeout_s)


def close_quietly(device: Any) -> None:
    """Close a device at tear-down; a failure is logged and the rest still closes."""
    try:
        device.close()
    except Exception:
        log.exception("error while closing %r", device)


def launch(role: Role, config: str | Path | Config, data_dir: Path, *, demo: bool,
           harness: Harness | None = None, out_dir: Path | None = None, size: tuple[int, int] | None = None,
           headless: bool = False, ready_file: Path | None = None, config_path: Path | None = None) -> int:
    """Run a device's app until it stops; returns the process exit code: the harness driver's,
    else RESTART_EXIT when the technician asked for a restart (new enrolment, new devices,
    factory reset), else 0.

    demo: a normal window (kiosk_mode off), whatever the config says; with no central
    configured, the demo's embedded central on loopback.
    config_path: the file the technician's device assignment edits (default: the config file;
    in the demo, DATA/kiosk.toml, seeded from it).
    """
    timings = {"process_start_to_launch_s": round(process_age_s(), 3)}
    data_dir = Path(data_dir)
    config_path, config_seed = technician_config_file(config, config_path, data_dir, demo)
    if not isinstance(config, Config):
        config = load_config(config)
    clock: Clock | None = None
    if harness is not None:
        config, clock = harness.prepare(config, data_dir)
    kiosk_mode = config.device.kiosk_mode and not demo
    configure_kivy(kiosk_mode=kiosk_mode, size=size or (role.headless_window if headless else role.window),
                   headless=headless)

    with ExitStack() as stack:
        if harness is not None:
            stack.callback(harness.cleanup)
        reset = FactoryResetAfterClose(data_dir)
        stack.callback(reset)
        central, config = enrolled_config(role, config, data_dir, demo=demo, harness=harness)
        if central is not None:
            stack.callback(central.stop)
        clock = clock or system_clock
        core = build_core(config, data_dir, clock=clock)
        stack.callback(core.close)
        parts = Parts(role=role.name, config=config, data_dir=data_dir, core=core, clock=clock, stack=stack,
                      kiosk_mode=kiosk_mode, timings=timings, ready_file=ready_file, config_path=config_path,
                      config_seed=config_seed, harness=harness, central=central)
        if harness is not None:
            harness.setup(parts)
        app = role.open_app(parts)
        reset.app = app
        timings["core_and_devices_ready_s"] = round(process_age_s(), 3)
        sync = start_sync(parts, app, first_pass=role.sync_first_pass and central is not None)
        if sync is not None:
            stack.callback(sync.stop)
        scanner = open_scanner(config.scanner, app.scan_from_any_thread, health=core.health.report, name=role.name)
        if scanner is not None:
            stack.callback(scanner.stop)
        app.scanner = scanner
        driver = harness.attach(app, Path(out_dir or data_dir / "scenario")) if harness is not None else None
        app.run()
        return driver.exit_code if driver is not None else restart_code(app.technician)


def enrolled_config(role: Role, config: Config, data_dir: Path, *, demo: bool,
                    harness: Harness | None) -> tuple[Any, Config]:
    """(the demo's central or None, the config to run on): in a demo with no central configured,
    a real central on loopback with this device enrolled in it; else the saved enrolment and
    the cached centre document."""
    if demo and config.central.url is None and (harness is None or harness.embedded_central):
        config = config.model_copy(update={"device": config.device.model_copy(update={"role": role.name})})
        return start_demo_central(config, data_dir, notify_channel=harness.notify_channel if harness else None)
    return None, load_cached_centre(apply_saved(config, data_dir), data_dir)


def start_sync(parts: Parts, app: Any, *, first_pass: bool) -> SyncService | None:
    """The sync thread, when the device has a central: the outbox, heartbeats, leases (a lobby
    kiosk's), and each new centre configuration, which the app applies on its UI thread."""
    client = parts.central_client()
    if client is None:
        return None
    sync = SyncService(parts.core, client, on_config=app.config_from_any_thread)
    if first_pass:
        sync.run_once()  # an embedded central answers at once: start with its leases and config
    sync.start()
    return sync


def technician_config_file(config: str | Path | Config, config_path: Path | None, data_dir: Path,
                           demo: bool) -> tuple[Path, Path | None]:
    """(file the technician edits, file to seed it from): the config file itself, or in the
    demo (whose config is the packaged sample) a copy in the data folder."""
    source = None if isinstance(config, Config) else Path(config)
    if config_path is not None:
        return Path(config_path), source
    if demo or source is None:
        return data_dir / "kiosk.toml", source
    return source, None


def restart_code(technician: Any) -> int:
    return RESTART_EXIT if technician is not None and technician.restart_requested else 0


class FactoryResetAfterClose:
    """The factory reset a technician confirmed, run at tear-down once the database and the
    devices are closed (registered on the stack before them)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.app: Any = None

    def __call__(self) -> None:
        technician = getattr(self.app, "technician", None)
        if technician is not None and technician.reset_requested:
            removed = factory_reset(self.data_dir)
            log.warning("factory reset: %d file(s) removed from %s", removed, self.data_dir)
