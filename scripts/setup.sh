#!/usr/bin/env bash
# Sets up a developer's Debian machine: system packages and a virtualenv in .venv with the project
# editable and every extra (.[test]), at the versions of the lock requirements/test.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
PKGS="espeak-ng sox socat alsa-utils libmtdev1 libgl1-mesa-dri libegl1 libgles2 postgresql chromium chromium-driver nginx-light"
missing=""
for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  echo "[setup] installing system packages:$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
[ -x .venv/bin/python ] || "$PY" -m venv .venv
if ! .venv/bin/python -c "import kiosk, kivy, escpos, fastapi, jinja2, argon2, selenium" 2>/dev/null || [ pyproject.toml -nt .venv/.installed ] || [ requirements/test.txt -nt .venv/.installed ]; then
  echo "[setup] installing Python packages"
  .venv/bin/pip install -q --upgrade pip >/dev/null
  .venv/bin/pip install -q -c requirements/test.txt -e ".[test]"
  touch .venv/.installed
fi
echo "[setup] ready"
