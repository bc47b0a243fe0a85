#!/usr/bin/env bash
# Sets up (if needed) and runs the whole test suite headless.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export KIVY_NO_ARGS=1 KIVY_NO_CONSOLELOG=1 KIVY_LOG_MODE=PYTHON SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy KIVY_HOME="$PWD/.kivy-home"
exec .venv/bin/python -m pytest "$@"
