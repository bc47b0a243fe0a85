"""Prints the OpenAPI contract: `python -m central.openapi > central/openapi.json`."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from central.app import create_app
from central.db import Database

SCHEMA_FILE = Path(__file__).with_name("openapi.json")


def schema() -> dict[str, Any]:
    return create_app(Database("sqlite://")).openapi()  # the engine never connects


def render() -> str:
    return json.dumps(schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main() -> int:
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
