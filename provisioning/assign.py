"""Device assignment from the technician screens: printer, scanner, counters, panels and rating
keys, written into the device's TOML file.

The file is edited with tomlkit so the technician's comments and every other key survive; the
result is validated before it is written, written atomically, and the previous file is kept as
`<name>.bak`.
"""
from __future__ import annotations

import glob
import os
import shutil
import tomllib
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from kiosk.contract.config import Config, ConfigError, parse_config
from kiosk.files import write_atomic

# Where a USB stick shows up: udisks (/media/USER/LABEL, /run/media/USER/LABEL), usbmount
# (/media/usb0) and hand mounts (/mnt/usb).
MEDIA_GLOBS = ("/media/*/*", "/media/*", "/run/media/*/*", "/mnt/*")
CA_DIRS = (Path("/etc/kiosk"), Path("/etc/kiosk/ca"))
MAX_CA_FILES = 20
_CA_SCAN_BYTES = 256 * 1024


@dataclass
class PanelChoice:
    name: str
    port: str
    protocol: str = "ft12"
    baudrate: int = 9600
    kind: str = "evaluator"
    counter: int | None = None
    evaluators: dict[int, int] = field(default_factory=dict)
    callers: dict[int, int] = field(default_factory=dict)


@dataclass
class Assignment:
    printer_kind: str
    printer_device: str | None
    printer_baudrate: int
    scanner_kind: str
    scanner_port: str | None
    panels: list[PanelChoice]
    counters: list[int]          # counter.counters: the counters this terminal serves (empty: all)
    rating_keys: dict[int, str]  # key code -> rating level; empty: the default map (rating.buttons/first_key)


def assignment_of(config: Config) -> Assignment:
    p, s, c = config.printer, config.scanner, config.counter
    return Assignment(
        printer_kind=p.kind, printer_device=p.device, printer_baudrate=p.baudrate,
        scanner_kind=s.kind, scanner_port=s.port,
        panels=[PanelChoice(name=x.name, port=x.port, protocol=x.protocol, baudrate=x.baudrate, kind=x.kind,
                            counter=x.counter, evaluators=dict(x.evaluators), callers=dict(x.callers))
                for x in c.panels],
        counters=list(c.counters), rating_keys=dict(c.rating.keys or {}))


def panel_protocols() -> tuple[str, ...]:
    """The protocols a technician cycles through, in order (devices.serial.registry)."""
    # the serial package (pymodbus) is imported only when panels are edited
    from devices.serial import registry
    return registry.names()


def is_keypad(protocol: str) -> bool:
    """One keypad per counter (no bus addresses), as opposed to an addressed bus."""
    from devices.serial import registry
    return not registry.get(protocol).addressed


def default_panel_map(protocol: str, counters: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """(callers, evaluators), address -> counter: the map a technician sees for `protocol`
    (the public convention for addressed buses, nothing for keypads; see the registry)."""
    from devices.serial import registry
    return registry.get(protocol).default_addresses(counters)


# -- saving ---------------------------------------------------------------------------------

def _panel_dict(p: PanelChoice) -> dict[str, Any]:
    return {"name": p.name, "port": p.port, "protocol": p.protocol, "baudrate": p.baudrate, "kind": p.kind,
            "counter": p.counter, "evaluators": dict(p.evaluators), "callers": dict(p.callers)}


# What the technician's screen assigns; other panel keys (stable_polls ...) are not compared.
_PANEL_KEYS = ("name", "port", "protocol", "baudrate", "kind", "counter", "evaluators", "callers")


def _inline(mapping: dict[int, Any]) -> Any:
    table = tomlkit.inline_table()
    for key in sorted(mapping):
        table[str(key)] = mapping[key]  # TOML keys are strings; the config model reads them back as ints
    return table


def _panel_table(p: PanelChoice) -> Any:
    t = tomlkit.table()
    for key in ("name", "port", "protocol", "baudrate", "kind"):
        t[key] = getattr(p, key)
    if p.counter is not None:
        t["counter"] = p.counter
    if p.evaluators:
        t["evaluators"] = _inline(p.evaluators)
    if p.callers:
        t["callers"] = _inline(p.callers)
    return t


def _table(parent: MutableMapping, key: str, path: Path) -> MutableMapping:
    if key not in parent:
        parent[key] = tomlkit.table()
    table = parent[key]
    if not isinstance(table, MutableMapping):
        raise ConfigError(f"{path}: key `{key}` must be a table")
    return table


def _put(table: MutableMapping, key: str, value: Any) -> None:
    """Sets a key; None (or an empty mapping) removes it."""
    if value is None or (isinstance(value, dict) and not value):
        table.pop(key, None)
    else:
        table[key] = value


def _edit(doc: Any, a: Assignment, old: Config | None, path: Path) -> list[str]:
    """Writes the assignment into `doc`, touching only keys whose effective value changes (all of
    them when the old file did not validate). Returns the changed dotted keys."""
    wanted: list[tuple[str, Any, Any]] = [
        ("printer.kind", a.printer_kind, old and old.printer.kind),
        ("printer.device", a.printer_device, old and old.printer.device),
        ("printer.baudrate", a.printer_baudrate, old and old.printer.baudrate),
        ("scanner.kind", a.scanner_kind, old and old.scanner.kind),
        ("scanner.port", a.scanner_port, old and old.scanner.port),
        ("counter.counters", list(a.counters), old and list(old.counter.counters)),
        ("counter.panels", [_panel_dict(p) for p in a.panels],
         old and [{k: v for k, v in p.model_dump().items() if k in _PANEL_KEYS} for p in old.counter.panels]),
        ("counter.rating.keys", dict(a.rating_keys), old and dict(old.counter.rating.keys or {})),
    ]
    changed = []
    for dotted, new, before in wanted:
        if old is not None and new == before:
            continue
        changed.append(dotted)
        *parents, key = dotted.split(".")
        table = doc
        for name in parents:
            table = _table(table, name, path)
        if key == "panels":
            if a.panels:
                aot = tomlkit.aot()
                for p in a.panels:
                    aot.append(_panel_table(p))
                table[key] = aot
            else:
                table.pop(key, None)
        elif key == "keys":
            _put(table, key, _inline(a.rating_keys) if a.rating_keys else None)
        else:
            _put(table, key, new)
    return changed


def _read(path: Path) -> str:
    try:
        with path.open(encoding="utf-8", newline="") as f:  # newline="": CRLF files stay CRLF
            return f.read()
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from None


def _write_atomic(path: Path, text: str) -> None:
    """Previous file -> <name>.bak, then an atomic write: a power cut leaves the old or the new file."""
    real = Path(os.path.realpath(path))  # a symlinked /etc/kiosk/kiosk.toml stays a symlink
    try:
        shutil.copy2(real, real.with_name(real.name + ".bak"))
        write_atomic(real, text)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write the config file: {exc}") from None


def save_assignment(config_path: Path, assignment: Assignment) -> tuple[Config, list[str]]:
    """Writes the assignment into the TOML file; returns the validated config and the changed keys.
    Raises ConfigError (the file is then untouched). Nothing changed: nothing is written."""
    config_path = Path(config_path)
    source = str(config_path)
    try:
        doc = tomlkit.parse(_read(config_path))
    except TOMLKitError as exc:
        raise ConfigError(f"{config_path}: not valid TOML: {exc}") from None
    try:
        old: Config | None = parse_config(doc.unwrap(), source)
    except ConfigError:
        old = None  # a broken file being repaired from the screen: write every assignment key
    try:
        changed = _edit(doc, assignment, old, config_path)
        text = tomlkit.dumps(doc)
    except (TOMLKitError, TypeError, ValueError) as exc:  # a layout tomlkit cannot edit (odd dotted keys ...)
        raise ConfigError(f"{config_path}: cannot edit this file from the screen: {exc}") from None
    # Validate what will be on disk, re-read by the reader the app uses (catches a rendering slip too).
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config_path}: the edited file would not be valid TOML: {exc}") from None
    if data != doc.unwrap():
        raise ConfigError(f"{config_path}: the edited file would not read back as written")
    config = parse_config(data, source)
    if changed:
        _write_atomic(config_path, text)
    return config, changed


# -- files a technician brings ----------------------------------------------------------------

def _visible_dir(p: Path) -> bool:
    return not p.name.startswith(".") and p.is_dir() and os.access(p, os.W_OK | os.X_OK)


def find_usb_media(roots: list[Path] | None = None) -> list[Path]:
    """Writable folders where a USB stick may be mounted.

    Default: the mount points among /media/*/*, /media/*, /run/media/*/*, /mnt/* (a plain folder
    there is not a stick). With explicit `roots` (tests, odd setups): the writable folders one or
    two levels below them that hold no other such folder (/media/USER/LABEL, not /media/USER).
    Hidden folders (.Trash-1000 ...) are skipped."""
    if roots is None:
        candidates = [Path(p) for pattern in MEDIA_GLOBS for p in glob.glob(pattern)]
        found = {p for p in candidates if os.path.ismount(p) and _visible_dir(p)}
    else:
        found = {p for root in map(Path, roots) for p in (*root.glob("*"), *root.glob("*/*"))
                 if _visible_dir(p) and not any(part.startswith(".") for part in p.relative_to(root).parts)}
        found = {p for p in found if not any(q.parent == p for q in found)}
    return sorted(found)


def _is_certificate(path: Path) -> bool:
    """A PEM certificate, not a private key (requests' `verify` takes PEM only)."""
    try:
        with path.open("rb") as f:
            head = f.read(_CA_SCAN_BYTES)
    except OSError:
        return False
    return b"-----BEGIN CERTIFICATE-----" in head and b"PRIVATE KEY" not in head


def find_ca_files(dirs: list[Path] | None = None) -> list[Path]:
    """*.pem / *.crt certificates (never keys) in /etc/kiosk, /etc/kiosk/ca and on USB sticks;
    sorted, at most 20."""
    if dirs is None:
        dirs = [*CA_DIRS, *find_usb_media()]
    found: set[Path] = set()
    for d in dirs:
        try:
            entries = list(Path(d).iterdir())
        except OSError:
            continue
        found.update(p for p in entries if p.suffix.lower() in (".pem", ".crt") and p.is_file()
                     and _is_certificate(p))
    return sorted(found)[:MAX_CA_FILES]
