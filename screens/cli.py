"""Command line of the device apps: `demo` (sample centre, a normal window) and `run` (real mode).
`run` starts the app of the config's device.role: lobby, counter or display.

    python -m screens.cli demo                      # interactive demo window
    python -m screens.cli demo --role counter       # a counter terminal (embedded central, waiting tickets)
    python -m screens.cli demo --role display       # a hall display
    python -m screens.cli demo --headless --scenario counter-rating --out /tmp/shots
    python -m screens.cli demo --headless           # headless scenario "lobby-ticket" -> PNGs
    python -m screens.cli demo --headless --scenario lobby-closed --out /tmp/shots
    python -m screens.cli run --config /etc/kiosk/centre.toml --data /var/lib/kiosk

main.py adds these sub-commands with `register(subparsers)`.
"""
from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

from kiosk.contract.config import SAMPLE_CONFIG, ConfigError, load_config
from kiosk.sync.enrolment import apply_saved
from kiosk.technician import RESTART_EXIT
from screens.counter.role import CounterRole
from screens.display.role import DisplayRole
from screens.kivy_setup import parse_size
from screens.launch import Role, launch
from screens.lobby.role import LobbyRole
from screens.rating.role import RatingRole
from screens.scenarios import DEFAULT_SCENARIO, SCENARIOS, DemoHarness, get_scenario

DEFAULT_DEMO_DATA = Path("data/demo")
# A new role: its module (screens/<role>/role.py) and one line here.
ROLES: dict[str, Role] = {"lobby": LobbyRole(), "counter": CounterRole(), "display": DisplayRole(),
                          "rating": RatingRole()}


def register(subparsers) -> None:
    """Add `demo` and `run` to an argparse sub-parser set; each sets func(args) -> int."""
    demo = subparsers.add_parser(
        "demo", help="the lobby kiosk on the sample centre, in a normal window",
        description="Runs the lobby kiosk on kiosk/sample_centre.toml with a preview printer (tickets become "
                    "PNG files in DATA/printed). Opening hours follow the real clock, so after 17:00 and at "
                    "weekends every service shows as closed; --headless scenarios use a Monday-morning clock.")
    demo.add_argument("--headless", action="store_true",
                      help="no window: run a scenario (default lobby-ticket) and save screenshots")
    demo.add_argument("--role", choices=ROLES, help="which app: the lobby kiosk (default), a counter terminal or a "
                                                    "hall display (its scenarios imply it)")
    demo.add_argument("--scenario", choices=sorted(SCENARIOS),
                      help="drive the app through this scenario")
    demo.add_argument("--out", type=Path, help="folder for scenario screenshots (default DATA/scenario-NAME)")
    demo.add_argument("--data", type=Path, help=f"kiosk data folder (default {DEFAULT_DEMO_DATA}, or OUT/data "
                                                "for a scenario)")
    demo.add_argument("--size", help="window size, e.g. 1080x1920 (portrait) or 1920x1080 (landscape); "
                                     "default 540x960 for a window, 1080x1920 headless")
    demo.add_argument("--ready-file", type=Path, help="write start-up timings (JSON) here once the first "
                                                      "frame is drawn (benchmarks, monitoring)")
    demo.set_defaults(func=_demo)

    run = subparsers.add_parser("run", help="the device's app in kiosk mode (fullscreen, no exit)",
                                description="Runs the app of the config's device.role (lobby kiosk, counter "
                                            "terminal or hall display) on a centre's config file. kiosk_mode in the "
                                            "config (default true) makes it fullscreen with no cursor and no exit "
                                            "on Escape.")
    run.add_argument("--config", type=Path, required=True, help="the centre's TOML config")
    run.add_argument("--data", type=Path, help="data folder (default: [device] data_dir, relative to the "
                                               "current folder)")
    run.add_argument("--ready-file", type=Path, help="write start-up timings (JSON) here once the first "
                                                     "frame is drawn (benchmarks, monitoring)")
    run.set_defaults(func=_run)


def _fail(exc: BaseException) -> int:
    # Kivy captures stderr into its log once it starts: write to the real stderr.
    stream = sys.__stderr__ or sys.stderr
    stream.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    stream.flush()
    return 1


def _demo(args: argparse.Namespace) -> int:
    name = args.scenario or (DEFAULT_SCENARIO[args.role or "lobby"] if args.headless else None)
    scenario = get_scenario(name) if name is not None else None
    role = args.role or (scenario.role if scenario is not None else "lobby")
    if scenario is not None and scenario.role != role:
        print(f"error: scenario {scenario.name} is for the {scenario.role} role, not {role}",
              file=sys.__stderr__ or sys.stderr)
        return 2
    default_data = DEFAULT_DEMO_DATA if role == "lobby" else Path(f"{DEFAULT_DEMO_DATA}-{role}")
    try:
        size = parse_size(args.size) if args.size else None
        out = args.out
        if scenario is not None and out is None:
            out = (args.data or default_data) / f"scenario-{scenario.name}"
        data = args.data or (out / "data" if scenario is not None else default_data)
        # What a technician saved on the demo's screens (DATA/kiosk.toml) is used from then on.
        config = data / "kiosk.toml" if scenario is None and (data / "kiosk.toml").is_file() else SAMPLE_CONFIG
        rc = launch(ROLES[role], config, data, demo=True, harness=scenario or DemoHarness(role), out_dir=out,
                    size=size, headless=args.headless, ready_file=args.ready_file)
        return rc if scenario is not None else restart_if_asked(rc)
    except (ConfigError, ValueError) as exc:
        print(f"error: {exc}", file=sys.__stderr__ or sys.stderr)
        return 2
    except Exception as exc:
        return _fail(exc)


def _run(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
        data = args.data or config.data_path(Path.cwd())
        # the role of an enrolled device is the one it was enrolled as (kiosk.sync.enrolment)
        role = apply_saved(config, data).device.role
        return restart_if_asked(launch(ROLES[role], config, data, demo=False, ready_file=args.ready_file,
                                       config_path=args.config))
    except ConfigError as exc:
        print(str(exc), file=sys.__stderr__ or sys.stderr)
        return 2
    except Exception as exc:
        return _fail(exc)


def restart_if_asked(rc: int) -> int:
    """The technician asked for a restart (new enrolment, devices, factory reset): start this
    same command again in this process, so it works the same under systemd and by hand."""
    if rc != RESTART_EXIT:
        return rc
    (sys.__stderr__ or sys.stderr).write("restarting to apply the technician's changes\n")
    os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])
    return rc  # not reached


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    parser = argparse.ArgumentParser(prog="python -m screens.cli", description="Kiosk Một Cửa — lobby kiosk")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
