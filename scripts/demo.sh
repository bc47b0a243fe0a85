#!/usr/bin/env bash
# Sets up (if needed) and runs the lobby kiosk demo: sample centre, local SQLite in ./data/demo,
# an embedded central on loopback, a simulated printer (PNG previews) and speech to WAV files
# when there is no sound card. Extra arguments go to `kiosk demo` (e.g. --headless --out DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export KIVY_NO_ARGS=1 KIVY_HOME="$PWD/.kivy-home"
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [[ " $* " != *" --headless "* ]]; then
  echo "[demo] no display found: running the headless scenario (screenshots in ./out/demo)"
  export SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy
  exec .venv/bin/kiosk demo --headless --scenario lobby-ticket --out out/demo "$@"
fi
exec .venv/bin/kiosk demo "$@"
