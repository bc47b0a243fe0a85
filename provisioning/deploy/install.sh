#!/usr/bin/env bash
# Installs a kiosk (lobby, counter or display) as an appliance on Debian 12, from a wheelhouse
# made by `scripts/wheelhouse.sh device` (the project's wheel, its locked dependencies and this
# folder): no registry, no compiler, no PostgreSQL, no test tools. Run as root:
#   sudo bash WHEELHOUSE/deploy/install.sh [WHEELHOUSE]
# The code lives in root-owned venvs /opt/kiosk/<version> (current -> the running one); the service
# runs as the user kiosk with its state in /var/lib/kiosk and its settings in /etc/kiosk.
# DESTDIR=/tmp/root installs into a temporary root instead (users, apt and systemd left alone).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WHEELHOUSE=$(cd "${1:-$HERE/..}" && pwd)
ROOT=${DESTDIR:-}
# shellcheck source=lib.sh
. "$HERE/lib.sh"

if [ -z "$ROOT" ]; then
  [ "$(id -u)" -eq 0 ] || { echo "run as root (sudo)" >&2; exit 2; }
  # the Wayland kiosk session (cage), speech, sound; no PostgreSQL, no build tools
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    cage xwayland espeak-ng alsa-utils libgl1-mesa-dri libegl1 libgles2 libmtdev1 python3-venv >/dev/null
  id kiosk >/dev/null 2>&1 || useradd --system --create-home --home-dir /var/lib/kiosk-home --shell /usr/sbin/nologin kiosk
  usermod -aG dialout,lp,audio,video,input,render kiosk
fi

version=$(install_version "$WHEELHOUSE" "$ROOT/opt/kiosk" device device.txt)
switch_to "$ROOT/opt/kiosk" "$version"
install -m 0755 "$HERE/upgrade.sh" "$HERE/lib.sh" -t "$ROOT/opt/kiosk/"

install -d -m 0755 "$ROOT/etc/kiosk"
# the production template; an existing config (enrolled, tuned) is never overwritten
if [ ! -f "$ROOT/etc/kiosk/kiosk.toml" ]; then
  install -m 0640 "$HERE/kiosk.toml.example" "$ROOT/etc/kiosk/kiosk.toml"
  # the technician screen and enrolment edit it; the code itself stays root's
  [ -n "$ROOT" ] || chown kiosk:kiosk "$ROOT/etc/kiosk/kiosk.toml"
fi
install -d -m 0755 "$ROOT/etc/udev/rules.d" "$ROOT/etc/systemd/system" "$ROOT/etc/pam.d"
install -m 0644 "$HERE/99-kiosk-serial.rules" "$ROOT/etc/udev/rules.d/"
install -m 0644 "$HERE/kiosk.service" "$ROOT/etc/systemd/system/kiosk.service"
install -m 0644 "$HERE/kiosk-session.pam" "$ROOT/etc/pam.d/kiosk-session"
# brltty claims CH340/CP210x serial adapters as braille displays: masked
ln -sfn /dev/null "$ROOT/etc/systemd/system/brltty.service"
ln -sfn /dev/null "$ROOT/etc/systemd/system/brltty-udev.service"

if [ -z "$ROOT" ]; then
  udevadm control --reload-rules && udevadm trigger --subsystem-match=tty || true
  systemctl daemon-reload
  systemctl disable --now getty@tty1.service 2>/dev/null || true  # tty1 is the kiosk's screen
  systemctl set-default graphical.target
  systemctl enable kiosk.service
fi
echo "kiosk $version installed in $ROOT/opt/kiosk/$version. Next (docs/deploy.md):"
echo "  edit /etc/kiosk/kiosk.toml (role, printer), then as the kiosk user:"
echo "  sudo -u kiosk /opt/kiosk/current/bin/kiosk provision set-pin --data /var/lib/kiosk"
echo "  sudo -u kiosk /opt/kiosk/current/bin/kiosk provision enrol --data /var/lib/kiosk --qr '<QR content>'"
echo "  sudo -u kiosk /opt/kiosk/current/bin/kiosk provision test all --data /var/lib/kiosk"
echo "  sudo systemctl start kiosk"
