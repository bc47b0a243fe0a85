"""Core commands: `kiosk status`, `kiosk outbox dead|requeue` (kiosk/outbox_cli.py)."""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from kiosk import outbox_cli
from kiosk.contract.config import SAMPLE_CONFIG, Config, ConfigError, load_config
from kiosk.storage.engine import StorageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("status", help="outbox backlog, last contact with the central, leases and health")
    p.add_argument("--config", default=str(SAMPLE_CONFIG), help="device config file (TOML)")
    p.add_argument("--data", help="data folder (default: the config's device.data_dir)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=status)
    outbox_cli.register(sub)


def data_dir_for(config_path: str, data: str | None, config: Config) -> Path:
    if data:
        return Path(data)
    return config.data_path(Path.cwd())


def status(args: argparse.Namespace) -> int:
    from kiosk.status import collect_status

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(exc)
        return 2
    data_dir = data_dir_for(args.config, args.data, config)
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
