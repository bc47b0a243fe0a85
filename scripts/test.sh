#!/usr/bin/env bash
# Sets up (if needed) and runs the whole test suite headless.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export KIVY_NO_ARGS=1 KIVY_NO_CONSOLELOG=1 KIVY_LOG_MODE=PYTHON SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy KIVY_HOME="$PWD/.kivy-home"
# The tests that run for minutes (marker `long`) run in CI (.ci/run sets KIOSK_LONG_TESTS=1).
if [ "${KIOSK_LONG_TESTS:-0}" = 1 ]; then
    exec .venv/bin/python -m pytest "$@"
fi
exec .venv/bin/python -m pytest -m "not long" "$@"
