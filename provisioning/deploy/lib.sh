# Shared by install.sh, upgrade.sh and central/install-central.sh (sourced, not run).
# Every path below is prefixed by $DESTDIR, so the scripts can be tried against a temporary root.

# The project's version, from the wheel in the wheelhouse.
wheel_version() {
  local whl
  whl=$(ls "$1"/kiosk_mot_cua-*.whl 2>/dev/null | sort -V | tail -n1)
  [ -n "$whl" ] || { echo "no kiosk_mot_cua wheel in $1 (make one with scripts/wheelhouse.sh)" >&2; return 2; }
  basename "$whl" | sed -E 's/^kiosk_mot_cua-([^-]+)-.*/\1/'
}

# install_version WHEELHOUSE BASE EXTRAS LOCK: a venv BASE/VERSION with the project and its locked
# dependencies, from the wheelhouse alone (no registry), owned by root and not writable by the
# service. An existing complete one is kept. Prints the version.
install_version() {
  local wheelhouse=$1 base=$2 extras=$3 lock=$4 version venv
  version=$(wheel_version "$wheelhouse")
  venv="$base/$version"
  if [ ! -f "$venv/.complete" ]; then
    rm -rf "$venv"
    install -d -m 0755 "$base"
    "${PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/pip" install --quiet --no-index --find-links "$wheelhouse" --no-cache-dir \
      -c "$wheelhouse/$lock" "kiosk-mot-cua[$extras]==$version" >&2
    touch "$venv/.complete"
  fi
  [ "$(id -u)" -ne 0 ] || chown -R root:root "$venv"
  chmod -R go-w "$venv"
  echo "$version"
}

# switch_to BASE VERSION: points BASE/current at VERSION (atomically) and BASE/previous at the old one.
switch_to() {
  local base=$1 version=$2 old
  old=$(readlink "$base/current" 2>/dev/null || true)
  if [ -n "$old" ] && [ "$old" != "$version" ]; then ln -sfn "$old" "$base/previous"; fi
  ln -sfn "$version" "$base/current.new"
  mv -T "$base/current.new" "$base/current"
}
