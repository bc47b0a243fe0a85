#!/usr/bin/env bash
# Installs the central server on Debian 12 from a wheelhouse made by `scripts/wheelhouse.sh central`
# (no registry; no Kivy, no device libraries). Run as root:
#   sudo bash WHEELHOUSE/deploy/central/install-central.sh [WHEELHOUSE]
# Code: root-owned venvs /opt/kiosk-central/<version> (current -> the running one); service user
# kiosk-central; state /var/lib/kiosk/central (SQLite, backups); settings /etc/kiosk (central.env,
# central-admin-token). PostgreSQL: then run postgres-setup.sh. TLS: nginx-central.conf.
# DESTDIR=/tmp/root installs into a temporary root instead (users, apt and systemd left alone).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WHEELHOUSE=$(cd "${1:-$HERE/../..}" && pwd)
ROOT=${DESTDIR:-}
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

if [ -z "$ROOT" ]; then
  [ "$(id -u)" -eq 0 ] || { echo "run as root (sudo)" >&2; exit 2; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv postgresql-client >/dev/null
  id kiosk-central >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /var/lib/kiosk/central \
    --shell /usr/sbin/nologin kiosk-central
fi
version=$(install_version "$WHEELHOUSE" "$ROOT/opt/kiosk-central" "central,postgres" central.txt)
switch_to "$ROOT/opt/kiosk-central" "$version"

install -d -m 0755 "$ROOT/etc/kiosk" "$ROOT/etc/systemd/system"
[ -f "$ROOT/etc/kiosk/central.env" ] || install -m 0640 "$HERE/central.env.example" "$ROOT/etc/kiosk/central.env"
if [ ! -f "$ROOT/etc/kiosk/central-admin-token" ]; then
  # the first admin token: a systemd credential of the service, readable by root only
  (umask 077; "$ROOT/opt/kiosk-central/current/bin/python" -c 'import secrets; print(secrets.token_urlsafe(32))' \
    > "$ROOT/etc/kiosk/central-admin-token")
fi
for unit in kiosk-central.service kiosk-central-backup.service kiosk-central-backup.timer \
            kiosk-central-prune.service kiosk-central-prune.timer; do
  install -m 0644 "$HERE/$unit" "$ROOT/etc/systemd/system/$unit"
done
if [ -z "$ROOT" ]; then
  systemctl daemon-reload
  systemctl enable kiosk-central.service kiosk-central-backup.timer kiosk-central-prune.timer
fi
echo "central $version installed in $ROOT/opt/kiosk-central/$version."
echo "  admin token: $ROOT/etc/kiosk/central-admin-token (root only)"
echo "  PostgreSQL: bash $HERE/postgres-setup.sh --workers 4; TLS: $HERE/nginx-central.conf"
echo "  then: systemctl start kiosk-central kiosk-central-backup.timer kiosk-central-prune.timer"
