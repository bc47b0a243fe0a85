#!/usr/bin/env bash
# Regenerates the lock files in requirements/ from pyproject.toml (needs uv: pip install uv).
# Linux only (kiosks and centrals run Debian); Python 3.11 and later.
# test.txt pins everything the suite runs with; device.txt and central.txt take their versions
# from it, so a kiosk and a central run exactly what CI tested. Pass -P NAME to upgrade one package.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-uv}
common=(--python-platform linux --python-version 3.11 --no-emit-package kiosk-mot-cua --custom-compile-command "scripts/lock.sh")
"$UV" pip compile -q pyproject.toml --extra test "${common[@]}" "$@" -o requirements/test.txt
"$UV" pip compile -q pyproject.toml --extra device "${common[@]}" -c requirements/test.txt -o requirements/device.txt
"$UV" pip compile -q pyproject.toml --extra central --extra postgres "${common[@]}" -c requirements/test.txt -o requirements/central.txt
