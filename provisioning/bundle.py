"""The diagnostics bundle: config without secrets, versions, status, health and recent logs."""
from __future__ import annotations

import datetime as dt
import json
import platform
import subprocess
import zipfile
from importlib import metadata
from pathlib import Path

from kiosk import __version__
from kiosk.contract.config import Config
from provisioning.transfer import export_config

PACKAGES = ("kivy", "pyserial", "python-escpos", "sqlalchemy", "alembic", "fastapi", "pymodbus", "pyttsx3")


def versions() -> dict[str, str]:
    out = {"kiosk": __version__, "python": platform.python_version(), "platform": platform.platform()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "missing"
    try:
        out["espeak-ng"] = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True,
                                          timeout=5).stdout.strip()[:80]
    except (OSError, subprocess.TimeoutExpired):
        out["espeak-ng"] = "missing"
    return out


def recent_journal(lines: int = 500) -> str:
    """The kiosk service's recent log from journald (nothing personal is logged: docs/dossier.md)."""
    try:
        out = subprocess.run(["journalctl", "-u", "kiosk", "-n", str(lines), "--no-pager", "-o", "short-iso"],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"journal not available: {exc}"
    return out.stdout or out.stderr or "journal empty"


def write_bundle(config: Config, data_dir: Path, out_dir: Path) -> tuple[Path, dict]:
    from kiosk.status import collect_status
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = out_dir / f"kiosk-diagnostics-{config.device.id}-{stamp}.zip"
    try:
        status = collect_status(config, data_dir)
    except Exception as exc:  # a broken database is exactly what a bundle must still describe
        status = {"error": f"{type(exc).__name__}: {exc}"}
    summary = {"versions": versions(), "status": status}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("config.toml", export_config(config))
        z.writestr("summary.json", json.dumps(summary, ensure_ascii=False, indent=2, default=str))
        z.writestr("journal.txt", recent_journal())
    return path, summary
