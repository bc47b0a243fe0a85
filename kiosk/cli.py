"""Core commands: `kiosk status`, `kiosk outbox dead|requeue` (kiosk/outbox_cli.py)."""
from __future__ import annotations

import argparse
import json
import os
import shutil
from pathlib import Path

from kiosk import outbox_cli
from kiosk.contract.config import APPLIANCE_CONFIG, APPLIANCE_DATA, ConfigError, load_config
from kiosk.storage.engine import StorageError


DEVICE_DB = "kiosk.db"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("status", help="outbox backlog, last contact with the central, leases and health")
    p.add_argument("--config", default=os.environ.get("KIOSK_CONFIG", APPLIANCE_CONFIG),
                   help=f"device config file (TOML; default $KIOSK_CONFIG or {APPLIANCE_CONFIG})")
    p.add_argument("--data", default=os.environ.get("KIOSK_DATA"),
                   help=f"data folder (default $KIOSK_DATA, the config's device.data_dir when absolute, or {APPLIANCE_DATA})")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=status)
    outbox_cli.register(sub)


def status(args: argparse.Namespace) -> int:
    from kiosk.status import collect_status

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(exc)
        return 2
    data_dir = config.command_data_dir(args.data)
    if not (data_dir / DEVICE_DB).exists():  # never creates a database where none is
        print(f"no device database in {data_dir}: give the kiosk's data folder with --data "
              f"(an installed kiosk: {APPLIANCE_DATA})")
        return 2
    try:
        report = collect_status(config, data_dir)
    except StorageError as exc:
        print(f"cannot read the device database: {exc}")
        return 1
    report["disk_free_bytes"] = shutil.disk_usage(data_dir if data_dir.exists() else Path.cwd()).free
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        for key, value in report.items():
            print(f"{key:>20}: {value}")
    return 0
