"""The `kiosk` command: parses the arguments and hands over to the package whose subcommand it
is (each registers its own). A device's parts are composed in screens/launch.py, the central's in
central/; the core (kiosk/) never imports the UI or the device drivers."""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from kiosk import __version__
from kiosk.logsetup import configure as configure_logging
from kiosk.logsetup import under_journald

# Packages that add subcommands, in the order they appear in --help. A package that fails to
# import (e.g. Kivy missing on a central server, FastAPI on a kiosk) only loses its own commands.
COMMAND_MODULES = ("screens.cli", "kiosk.cli", "central.cli", "devices.cli", "provisioning.cli", "benchmarks.cli")
OUR_PACKAGES = {"screens", "kiosk", "central", "devices", "provisioning", "benchmarks"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="Kiosk Một Cửa: lobby kiosks, counter terminals and the central system")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and (exc.name == name or name.startswith(exc.name + ".")):
                continue  # that package has no commands yet
            if exc.name and exc.name.split(".")[0] not in OUR_PACKAGES:
                continue  # an extra that this install left out (device, central)
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # our CLI owns argv, not Kivy
    if under_journald():  # before any Kivy import: Kivy logs through Python logging, to no file
        os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
        os.environ.setdefault("KIVY_NO_FILELOG", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose)  # journald's form under systemd (kiosk/logsetup.py)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
