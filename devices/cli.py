"""Device commands for the kiosk CLI: `simulate panel ...` and `simulate printer ...`.

main.py calls `register(subparsers)`; each leaf sets `func(args) -> int`.
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading


def register(subparsers: argparse._SubParsersAction) -> argparse._SubParsersAction:
    """Add `simulate` with its nested subparsers (one per simulated device); returns them."""
    simulate = subparsers.add_parser("simulate", help="simulate hardware: a panel on a serial port / pty, "
                                                      "a network printer")
    nested = simulate.add_subparsers(dest="device", required=True, metavar="DEVICE")
    add_panel_parser(nested)
    add_printer_parser(nested)
    return nested


def add_panel_parser(nested: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = nested.add_parser("panel", help="a rating panel / caller keypad sending key presses")
    # The config's names (tested equal to devices.serial.registry's): building the parser must not
    # import the serial package (pymodbus) on every `kiosk` command.
    from kiosk.contract.config import PANEL_PROTOCOLS
    p.add_argument("--protocol", choices=PANEL_PROTOCOLS, required=True)
    p.add_argument("--port", required=True, help="device-side port, e.g. one end of a socat pty pair")
    p.add_argument("--address", type=lambda s: int(s, 0), default=None,
                   help="ft12 bus address (default 0x81, an evaluator) or Modbus unit id (default 1)")
    p.add_argument("--keys", type=_keys, default=[1, 2, 3], help="comma-separated keys, e.g. 1,2,3")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between presses")
    p.add_argument("--garbage", action="store_true", help="send random line noise before each frame")
    p.add_argument("--baudrate", type=int, default=None, help="default: the protocol's (9600)")
    p.set_defaults(func=simulate_panel)
    return p


# SimState's values (tests/test_readme_commands.py checks they agree): importing devices.printer
# loads python-escpos, too slow for every `kiosk` command.
PRINTER_STATES = ("ok", "low", "out", "cover_open", "silent")


def add_printer_parser(nested: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = nested.add_parser("printer", help="a network ESC/POS printer that records tickets and answers status "
                                          "queries (point a kiosk at it with printer.kind = \"network\")")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=9100, help="TCP port (0: any free port)")
    p.add_argument("--state", choices=PRINTER_STATES, default="ok",
                   help="paper and cover state it reports; silent: never answers a status query")
    p.add_argument("--save", metavar="DIR", help="save each received ticket as a PNG in DIR")
    p.set_defaults(func=simulate_printer)
    return p


def simulate_printer(args: argparse.Namespace) -> int:
    from devices.printer.simulator import run_printer_simulator
    try:
        run_printer_simulator(args.host, args.port, args.state, save_dir=args.save)
    except OSError as exc:  # e.g. the port is taken
        print(f"simulate printer: {exc}", file=sys.stderr)
        return 1
    return 0


def _keys(text: str) -> list[int]:
    try:
        return [int(k, 0) for k in text.split(",") if k.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"keys must be comma-separated numbers: {text!r}") from None


def simulate_panel(args: argparse.Namespace) -> int:
    from devices.serial import registry
    from devices.serial.simulator import ModbusPanelSimulator, PanelSimulator

    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():  # signal() only works there
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    baudrate = args.baudrate or registry.get(args.protocol).baudrate
    try:
        if args.protocol == "modbus":
            unit = args.address if args.address is not None else 1
            inputs = max(8, max(args.keys) + 1)
            with ModbusPanelSimulator(args.port, {unit: inputs}, baudrate=baudrate) as sim:
                for key in args.keys:
                    if stop.is_set():
                        break
                    sim.press(unit, key, hold=min(0.3, args.interval / 2))
                    print(f"pressed unit {unit} input {key}", flush=True)
                    stop.wait(args.interval)
            return 0
        address = args.address if args.address is not None else 0x81
        with PanelSimulator(args.port, args.protocol, addresses=(address,), baudrate=baudrate) as sim:
            for key in args.keys:
                if stop.is_set():
                    break
                data = sim.press(key, garbage=args.garbage)
                print(f"sent {data.hex(' ')}", flush=True)
                stop.wait(args.interval)
            for frame in list(sim.received):
                print(f"host frame: addr=0x{frame.address:02x} func=0x{frame.func:02x} data={frame.data.hex()}")
        return 0
    except KeyboardInterrupt:
        return 130
    except (OSError, ValueError, RuntimeError) as exc:
        print(f"simulate panel: {exc}", file=sys.stderr)
        return 1
