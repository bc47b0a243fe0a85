"""Composition of the hall display: config -> core -> speaker -> CallsPoller -> DisplayApp."""
from __future__ import annotations

import logging
from pathlib import Path

from kiosk.contract.config import Config

log = logging.getLogger(__name__)

POLL_S = 2.0


def run_display(config: str | Path | Config, data_dir: Path, *, demo: bool, headless_scenario: str | None = None,
                out_dir: Path | None = None, size: tuple[int, int] | None = None, headless: bool | None = None,
                ready_file: Path | None = None, poll_s: float = POLL_S,
                config_path: Path | None = None) -> int:
    from screens.counter.run import prepare_role_launch
    from screens.run import after_technician, restart_code, technician_config_file
    config_path, config_seed = technician_config_file(config, config_path, Path(data_dir), demo)
    config, data_dir, scenario, kiosk_mode, timings = prepare_role_launch(
        config, data_dir, demo=demo, headless_scenario=headless_scenario, size=size, headless=headless)
    if scenario is not None:
        poll_s = scenario.poll_s or poll_s

    from devices.factory import build_speaker
    from kiosk.bootstrap import build_core
    from screens.counter.run import role_config

    central, config = role_config(config, "display", demo=demo, data_dir=data_dir)
    core = build_core(config, data_dir)
    speaker = sync = stop_demo = app = None
    try:
        speaker = build_speaker(config, core.data_dir, core.health.report)
        poller = None
        if config.central.url:
            from kiosk.counter.client import CounterClient
            from screens.display.calls import CallsPoller
            from screens.roles import central_client
            queues = CounterClient(central_client(config, timeout=min(config.central.timeout_s, 5)))
            poller = CallsPoller(queues.calls, config, core.translator, on_calls=lambda calls: None,
                                 on_online=lambda online: None, interval_s=poll_s)
        else:
            log.warning("no central configured: the hall display has no calls to show")
        stop_demo = None
        if central is not None and scenario is None:
            from screens.role_demo import seed_waiting_tickets, start_demo_calls
            seed_waiting_tickets(central, config, data_dir, [s.code for s in config.services
                                                             if config.counters_for(s.code)])
            stop_demo = start_demo_calls(central, config, data_dir)
        from screens.roles import start_role_sync  # Kivy: after configure_kivy()
        sync = start_role_sync(core)
        from screens.display.app import DisplayApp, DisplayRuntime
        runtime = DisplayRuntime(config=config, translator=core.translator, health=core.health,
                                 data_dir=core.data_dir, kiosk_mode=kiosk_mode, timings=timings,
                                 ready_file=ready_file, speaker=speaker, poller=poller, db=core.db,
                                 config_path=config_path, config_seed=config_seed)
        from screens.run import process_age_s
        timings["core_and_devices_ready_s"] = round(process_age_s(), 3)
        app = DisplayApp(runtime)
        app.demo_central = central
        driver = None
        if scenario is not None:
            driver = scenario.attach(app, Path(out_dir or data_dir / "scenario"))
        app.run()
        return driver.exit_code if driver is not None else restart_code(app.technician)
    finally:
        if stop_demo is not None:
            stop_demo()
        if sync is not None:
            sync.stop()
        if central is not None:
            central.stop()
        if speaker is not None:
            speaker.close()
        if scenario is not None:
            scenario.cleanup()
        core.close()
        after_technician(app.technician if app is not None else None, data_dir)
