"""Config export/import for installing many kiosks by script, and the factory reset."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

import tomli_w

from kiosk.contract.config import Config, load_config
from kiosk.files import write_atomic

# Files in the data folder that hold secrets or identity: overwritten before they are removed.
SECRET_FILES = ("enrolment.json", "central/central-admin-token")


def export_config(config: Config) -> str:
    """The config as TOML without the token and the device identity (each device gets its own)."""
    data = config.model_dump(mode="json", exclude_none=True)
    data["central"].pop("token", None)
    data["central"].pop("device_index", None)
    data["device"].pop("id", None)
    return "# exported by `kiosk provision export`: no secrets, no device identity\n" + tomli_w.dumps(data)


def import_config(source: Path, destination: Path) -> Config:
    config = load_config(source)  # refuses anything invalid, naming the key
    destination.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(destination, source.read_text(encoding="utf-8"))
    return config


def _shred(path: Path) -> None:
    try:
        size = path.stat().st_size
        with path.open("r+b") as f:
            f.write(secrets.token_bytes(size))
            f.flush()
            os.fsync(f.fileno())
    except OSError:
        pass


def factory_reset(data_dir: Path) -> int:
    """Removes everything in the data folder; secret files are overwritten first."""
    if not data_dir.exists():
        return 0
    for name in SECRET_FILES:
        if (data_dir / name).exists():
            _shred(data_dir / name)
    removed = 0
    for path in sorted(data_dir.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        else:
            if path.suffix in (".db", ".sqlite3", ".db-wal", ".db-shm", ".json"):
                _shred(path)  # tickets, PIN hash, tokens in sync state: nothing readable left
            path.unlink()
            removed += 1
    return removed
