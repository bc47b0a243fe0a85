#!/usr/bin/env bash
# Upgrades a kiosk to the version in a wheelhouse, in its own venv, with a health check after the
# restart and an automatic rollback to the previous venv when the check fails:
#   sudo /opt/kiosk/upgrade.sh WHEELHOUSE
#   sudo /opt/kiosk/upgrade.sh --rollback        # back to the previous version by hand
# The health check (HEALTH_CMD, default below) must pass within HEALTH_TIMEOUT seconds (90).
# DESTDIR, SYSTEMCTL and HEALTH_CMD can be overridden (tests use a temporary root).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
ROOT=${DESTDIR:-}
BASE="$ROOT/opt/kiosk"
SYSTEMCTL=${SYSTEMCTL:-systemctl}
HEALTH_TIMEOUT=${HEALTH_TIMEOUT:-90}
# running, and the device's own status readable by the new code
HEALTH_CMD=${HEALTH_CMD:-"$SYSTEMCTL is-active --quiet kiosk.service && $BASE/current/bin/kiosk status --config /etc/kiosk/kiosk.toml --data /var/lib/kiosk --json >/dev/null"}

healthy() {
  local deadline=$((SECONDS + HEALTH_TIMEOUT))
  sleep "${HEALTH_SETTLE:-10}"  # past the unit's start (a crash loop shows within this)
  while [ $SECONDS -lt $deadline ]; do
    if bash -c "$HEALTH_CMD"; then return 0; fi
    sleep 3
  done
  return 1
}

if [ "${1:-}" = "--rollback" ]; then
  previous=$(readlink "$BASE/previous") || { echo "no previous version to roll back to" >&2; exit 2; }
  switch_to "$BASE" "$previous"
  $SYSTEMCTL restart kiosk.service
  echo "rolled back to $previous"
  exit 0
fi

WHEELHOUSE=$(cd "${1:?usage: upgrade.sh WHEELHOUSE | --rollback}" && pwd)
old=$(readlink "$BASE/current" 2>/dev/null || true)
new=$(install_version "$WHEELHOUSE" "$BASE" device device.txt)
if [ "$new" = "$old" ]; then echo "already at $new"; exit 0; fi
switch_to "$BASE" "$new"
$SYSTEMCTL restart kiosk.service
if healthy; then
  echo "upgraded $old -> $new"
  # keep the running and the previous venv; older ones go
  for dir in "$BASE"/*/; do
    v=$(basename "$dir")
    [ "$v" = "$new" ] || [ "$v" = "$old" ] || [ ! -f "$dir/.complete" ] || rm -rf "$dir"
  done
  exit 0
fi
echo "health check failed after upgrading to $new: rolling back to $old" >&2
if [ -n "$old" ]; then
  switch_to "$BASE" "$old"
  ln -sfn "$new" "$BASE/failed"
  $SYSTEMCTL restart kiosk.service
fi
exit 1
