"""Composition of the counter role: config -> core -> CounterService/CounterRuntime -> serial
panels (one supervisor per configured port) -> CounterApp. Mirrors screens.run.run_lobby."""
from __future__ import annotations

import logging
from pathlib import Path

from kiosk.contract.config import Config, load_config

log = logging.getLogger(__name__)


def prepare_role_launch(config: str | Path | Config, data_dir: Path, *, demo: bool, headless_scenario: str | None,
                        size: tuple[int, int] | None, headless: bool | None):
    """What the counter and display launchers share: the config (with a scenario's changes), the
    scenario, kiosk mode, start-up timings, and Kivy configured (before any other Kivy import)."""
    from screens.run import process_age_s
    timings = {"process_start_to_run_s": round(process_age_s(), 3)}
    if not isinstance(config, Config):
        config = load_config(config)
    if headless is None:
        headless = headless_scenario is not None
    data_dir = Path(data_dir)
    scenario = None
    if headless_scenario is not None:
        from screens.role_scenarios import get_role_scenario
        scenario = get_role_scenario(headless_scenario)
        config = scenario.prepare(config, data_dir)
    kiosk_mode = config.device.kiosk_mode and not demo
    from screens.kivy_setup import LANDSCAPE, configure_kivy
    configure_kivy(kiosk_mode=kiosk_mode, size=size or (LANDSCAPE if headless else (960, 540)), headless=headless)
    return config, data_dir, scenario, kiosk_mode, timings


def role_config(config: Config, role: str, *, demo: bool, data_dir: Path):
    """(central or None, config) after enrolment: the embedded demo central when `demo` and no
    central is configured, else the saved enrolment and cached centre document."""
    if demo and config.central.url is None:
        from provisioning.demo import start_demo_central
        config = config.model_copy(update={"device": config.device.model_copy(update={"role": role})})
        return start_demo_central(config, data_dir)
    from kiosk.sync.enrolment import apply_saved
    from kiosk.sync.service import load_cached_centre
    return None, load_cached_centre(apply_saved(config, data_dir), data_dir)


def run_counter(config: str | Path | Config, data_dir: Path, *, demo: bool, headless_scenario: str | None = None,
                out_dir: Path | None = None, size: tuple[int, int] | None = None, headless: bool | None = None,
                ready_file: Path | None = None,
                config_path: Path | None = None) -> int:
    from screens.run import technician_config_file
    config_path, config_seed = technician_config_file(config, config_path, Path(data_dir), demo)
    config, data_dir, scenario, kiosk_mode, timings = prepare_role_launch(
        config, data_dir, demo=demo, headless_scenario=headless_scenario, size=size, headless=headless)

    from devices.serial import ft12, open_panel
    from kiosk.bootstrap import build_core
    from kiosk.counter import CounterService
    from kiosk.counter.client import CounterClient
    from kiosk.counter.panels import make_prompter
    from kiosk.counter.runtime import CounterRuntime

    central, config = role_config(config, "counter", demo=demo, data_dir=data_dir)
    core = build_core(config, data_dir)
    supervisors, sync, crt, app = [], None, None, None
    try:
        if central is not None:
            from screens.role_demo import seed_waiting_tickets
            mine = sorted({s for c in config.counters if c.number in (config.counter.counters or [c.number])
                           for s in c.services})
            seed_waiting_tickets(central, config, data_dir, mine)
        from screens.roles import central_client
        client = CounterClient(central_client(config)) if config.central.url else None
        svc = CounterService(core.db, config, client=client, translator=core.translator, health=core.health.report)
        from screens.roles import clock_dispatch, start_role_sync  # Kivy: after configure_kivy()
        crt = CounterRuntime(svc, dispatch=clock_dispatch)
        senders = {}
        from kivy.clock import Clock

        def on_press(press) -> None:  # a panel's reader thread
            # While a technician is at the device, presses go to the panel test, never to a rating.
            mode = app.technician if app is not None else None
            if mode is not None and mode.active:
                Clock.schedule_once(lambda dt: mode.on_press(press))
            else:
                crt.on_press(press)

        for p in svc.panels.panels():
            sup = open_panel(p.name, p.port, p.protocol, on_press, health=core.health.report, baudrate=p.baudrate)
            supervisors.append(sup)
            senders[p.name] = sup.send
        svc.prompt = make_prompter(svc.panels, senders, ft12.encode_start_rating)
        sync = start_role_sync(core)
        from screens.counter.app import CounterApp, CounterUIRuntime
        runtime = CounterUIRuntime(config=config, translator=core.translator, health=core.health,
                                   data_dir=core.data_dir, kiosk_mode=kiosk_mode, timings=timings,
                                   ready_file=ready_file, service=svc, counter_runtime=crt,
                                   counter=sorted(svc.counters)[0],
                                   panel_names=tuple(p.name for p in svc.panels.panels()),
                                   config_path=config_path, config_seed=config_seed)
        if len(svc.counters) > 1:
            log.info("this device runs counters %s: the screen shows counter %s, the others work through their "
                     "panels", sorted(svc.counters), runtime.counter)
        from screens.run import process_age_s
        timings["core_and_devices_ready_s"] = round(process_age_s(), 3)
        app = CounterApp(runtime)
        driver = None
        if scenario is not None:
            driver = scenario.attach(app, Path(out_dir or data_dir / "scenario"))
        app.run()
        from screens.run import restart_code
        return driver.exit_code if driver is not None else restart_code(app.technician)
    finally:
        if crt is not None:
            crt.close()  # stores a Không hài lòng still waiting for its reason
        for sup in supervisors:
            sup.stop()
        if sync is not None:
            sync.stop()
        if central is not None:
            central.stop()
        if scenario is not None:
            scenario.cleanup()
        core.close()
        from screens.run import after_technician
        after_technician(app.technician if app is not None else None, data_dir)
