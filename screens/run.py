"""Composition of the lobby kiosk: config -> core -> devices -> Lobby -> KioskApp.

Kivy is configured first (its settings only count before its window module is imported), and
imported only after that.
"""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from kiosk.contract.config import Config, load_config
from kiosk.domain.clock import Clock, system_clock

log = logging.getLogger(__name__)


def process_age_s() -> float:
    """Seconds since this process started (Linux /proc; falls back to since-import)."""
    try:
        with open("/proc/self/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        start_ticks = int(fields[19])  # field 22 of stat(5), counted after "pid (comm) "
        with open("/proc/uptime", "rb") as f:
            uptime = float(f.read().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return time.monotonic() - _IMPORTED_AT


_IMPORTED_AT = time.monotonic()


def start_sync(core, lobby, runtime, app, *, first_pass_now: bool):
    """The sync thread, when the kiosk has a central. Its reports reach the UI as health
    ("central" ok/degraded drives the offline indicator) and as config changes."""
    if core.config.central.url is None:
        return None
    from kivy.clock import Clock

    from kiosk.sync.client import CentralClient
    from kiosk.sync.service import SyncService

    c = core.config.central

    def on_config(config) -> None:  # sync thread
        lobby.config = config
        runtime.config = config
        Clock.schedule_once(lambda dt: app.apply_config(config))

    sync = SyncService(core, CentralClient(c.url, c.token, ca_file=c.ca_file, timeout=c.timeout_s), on_config=on_config)
    if first_pass_now:
        sync.run_once()  # an embedded central answers at once: start with its leases and config
    sync.start()
    return sync


def build_dossier_desk(config, data_dir: Path, translator, clock):
    """The dossier look-up on the kiosk's central (masked answers cached in the data folder), or
    None when the kiosk has no central (the attract screen then shows no look-up entry)."""
    c = config.central
    if c.url is None:
        return None
    from kiosk.dossier.lookup import CACHE_FILE, CachedLookup, CentralDossierSource, DossierDesk
    from kiosk.sync.client import CentralClient

    client = CentralClient(c.url, c.token, ca_file=c.ca_file, timeout=c.timeout_s)
    cache = CachedLookup(CentralDossierSource(client, timeout=min(3.0, c.timeout_s)), Path(data_dir) / CACHE_FILE)
    return DossierDesk(cache, centre_code=config.centre.code, translate=translator.gettext,
                       timezone=config.centre.timezone, now=clock)


def start_scanner(config, app, health):
    """The configured scanner's reader thread; each code goes to the UI thread (Clock), which
    looks it up on a worker. None for `[scanner] kind = "none"`."""
    if config.scanner.kind == "none":
        return None
    from kivy.clock import Clock

    from devices.scanner import open_scanner

    return open_scanner(config.scanner, lambda scan: Clock.schedule_once(lambda dt: app.on_scan(scan)),
                        health=health)


def run_lobby(config: str | Path | Config, data_dir: Path, *, demo: bool, headless_scenario: str | None = None,
              out_dir: Path | None = None, clock: Clock | None = None, size: tuple[int, int] | None = None,
              headless: bool | None = None, ready_file: Path | None = None,
              config_path: Path | None = None) -> int:
    """Run the lobby kiosk until it is stopped; returns the process exit code.

    demo: a normal window (kiosk_mode off), whatever the config says.
    headless_scenario: drive the app through a scenario of screens.scenario, saving a PNG of
    every screen to out_dir, then stop (exit code 0 when every step passed).
    clock: what "now" is for opening hours and tickets (default: the system clock).
    config_path: the file the technician's device assignment edits (default: the config file;
    in the demo, DATA/kiosk.toml, seeded from it).
    Returns RESTART_EXIT when the technician asked for a restart (after an enrolment, new device
    settings or a factory reset, which is done here once everything is closed).
    """
    timings = {"process_start_to_run_lobby_s": round(process_age_s(), 3)}
    config_path, config_seed = technician_config_file(config, config_path, Path(data_dir), demo)
    if not isinstance(config, Config):
        config = load_config(config)
    if headless is None:
        headless = headless_scenario is not None
    scenario = None
    if headless_scenario is not None:
        from screens.scenario import get_scenario
        scenario = get_scenario(headless_scenario)
        config, scenario_clock = scenario.prepare(config)
        clock = clock or scenario_clock
    kiosk_mode = config.device.kiosk_mode and not demo
    from screens.kivy_setup import DEMO_WINDOW, PORTRAIT, configure_kivy
    configure_kivy(kiosk_mode=kiosk_mode, size=size or (PORTRAIT if headless else DEMO_WINDOW), headless=headless)

    from devices.factory import build_printer, build_speaker
    from kiosk.bootstrap import build_core
    from kiosk.lobby import Lobby
    from screens.runtime import LobbyRuntime

    clock = clock or system_clock
    data_dir = Path(data_dir)
    central = None
    if demo and config.central.url is None and (scenario is None or scenario.embedded_central):
        # the embedded defaults: a real central on loopback, this kiosk enrolled with it
        from provisioning.demo import start_demo_central
        central, config = start_demo_central(config, data_dir)
    else:
        from kiosk.sync.service import load_cached_centre
        from kiosk.sync.enrolment import apply_saved
        config = load_cached_centre(apply_saved(config, data_dir), data_dir)
    core = build_core(config, data_dir, clock=clock)
    printer = speaker = sync = scanner = dossiers = technician = None
    try:
        printer = build_printer(config, core.data_dir, core.health.report)
        speaker = build_speaker(config, core.data_dir, core.health.report)
        lobby = Lobby(config, core.desk, printer, speaker, core.translator, core.health)
        dossiers = build_dossier_desk(config, core.data_dir, core.translator, clock)
        runtime = LobbyRuntime(config=config, desk=core.desk, lobby=lobby, translator=core.translator,
                               health=core.health, printer=printer, speaker=speaker, data_dir=core.data_dir,
                               clock=clock, kiosk_mode=kiosk_mode, timings=timings, ready_file=ready_file,
                               dossiers=dossiers, config_path=config_path, config_seed=config_seed)
        timings["core_and_devices_ready_s"] = round(process_age_s(), 3)
        from screens.app import KioskApp  # imports Kivy's window: after configure_kivy()
        app = KioskApp(runtime)
        sync = start_sync(core, lobby, runtime, app, first_pass_now=central is not None)
        scanner = start_scanner(config, app, core.health.report)
        app.scanner = scanner
        driver = None
        if scenario is not None:
            from screens.scenario import ScenarioDriver
            driver = ScenarioDriver(app, scenario, Path(out_dir or Path(data_dir) / "scenario"))
            driver.attach()
        app.run()
        technician = app.technician
        return driver.exit_code if driver is not None else restart_code(technician)
    finally:
        if scanner is not None:
            scanner.stop()
        if sync is not None:
            sync.stop()
        if dossiers is not None:
            dossiers.lookup.close()
        if central is not None:
            central.stop()
        for device in (speaker, printer):
            if device is not None:
                try:
                    device.close()
                except Exception:
                    log.exception("error while closing %r", device)
        core.close()
        after_technician(technician, data_dir)
        if scenario is not None:
            scenario.cleanup()


def technician_config_file(config, config_path: Path | None, data_dir: Path, demo: bool):
    """(file the technician edits, file to seed it from): the config file itself, or in the
    demo (whose config is the packaged sample) a copy in the data folder."""
    source = None if isinstance(config, Config) else Path(config)
    if config_path is not None:
        return Path(config_path), source
    if demo or source is None:
        return data_dir / "kiosk.toml", source
    return source, None


def restart_code(technician) -> int:
    from kiosk.technician import RESTART_EXIT
    return RESTART_EXIT if technician is not None and technician.restart_requested else 0


def after_technician(technician, data_dir: Path) -> None:
    """The factory reset a technician confirmed, done once the database and devices are closed."""
    if technician is not None and technician.reset_requested:
        from provisioning.transfer import factory_reset
        removed = factory_reset(data_dir)
        log.warning("factory reset: %d file(s) removed from %s", removed, data_dir)
