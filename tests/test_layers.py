"""The layer rules in pyproject.toml keep up with the tree: the contracts that say "the central
and the contract import only kiosk.contract" list every other module of kiosk/, so a new one
is forbidden to them the day it is added."""
from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def kiosk_modules_but_contract() -> set[str]:
    names = set()
    for entry in (ROOT / "kiosk").iterdir():
        if entry.suffix == ".py" and entry.name != "__init__.py":
            names.add(f"kiosk.{entry.stem}")
        elif entry.is_dir() and (entry / "__init__.py").exists() and entry.name != "contract":
            names.add(f"kiosk.{entry.name}")
    return names


def test_contract_rules_forbid_every_other_kiosk_module() -> None:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    only_contract = [c for c in contracts if c["type"] == "forbidden"
                     and set(c["source_modules"]) & {"central", "kiosk.contract"}
                     and any(m.startswith("kiosk.") for m in c["forbidden_modules"])]
    assert {s for c in only_contract for s in c["source_modules"]} == {"central", "kiosk.contract"}
    for c in only_contract:
        assert set(c["forbidden_modules"]) == kiosk_modules_but_contract(), c["name"]
