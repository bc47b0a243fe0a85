#!/usr/bin/env bash
# Installs a kiosk from a copy of the project in /opt/kiosk (run as root, on Debian 12):
#   sudo bash /opt/kiosk/provisioning/deploy/install.sh
# then enrol it:  sudo -u kiosk /opt/kiosk/.venv/bin/kiosk provision enrol --qr '<scanned QR>'
set -euo pipefail
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
[ "$SRC" = /opt/kiosk ] || { echo "copy the project to /opt/kiosk first (found it in $SRC)"; exit 2; }
id kiosk >/dev/null 2>&1 || useradd --create-home --shell /bin/bash kiosk
usermod -aG dialout,lp,audio,video,input kiosk
bash /opt/kiosk/scripts/setup.sh
chown -R kiosk:kiosk /opt/kiosk
install -d -o kiosk -g kiosk -m 0750 /var/lib/kiosk
install -d -m 0755 /etc/kiosk
[ -f /etc/kiosk/kiosk.toml ] || install -m 0644 /opt/kiosk/kiosk/sample_centre.toml /etc/kiosk/kiosk.toml
install -m 0644 /opt/kiosk/provisioning/deploy/99-kiosk-serial.rules /etc/udev/rules.d/
udevadm control --reload-rules && udevadm trigger || true
install -m 0644 /opt/kiosk/provisioning/deploy/kiosk.service /etc/systemd/system/kiosk.service
# Screen blanking off for the graphical session of the kiosk user (X11).
install -d -o kiosk -g kiosk /home/kiosk/.config/autostart
cat > /home/kiosk/.config/autostart/kiosk-noblank.desktop <<'DESKTOP'
[Desktop Entry]
Type=Application
Name=Kiosk: no screen blanking
Exec=sh -c "xset s off; xset -dpms; xset s noblank"
DESKTOP
chown kiosk:kiosk /home/kiosk/.config/autostart/kiosk-noblank.desktop
systemctl daemon-reload
systemctl enable kiosk.service
echo "installed. Next: set the technician PIN and enrol:"
echo "  sudo -u kiosk /opt/kiosk/.venv/bin/kiosk provision set-pin --data /var/lib/kiosk"
echo "  sudo -u kiosk /opt/kiosk/.venv/bin/kiosk provision enrol --data /var/lib/kiosk --qr '<QR content>'"
echo "  sudo -u kiosk /opt/kiosk/.venv/bin/kiosk provision test all --data /var/lib/kiosk"
echo "  sudo systemctl start kiosk"
