#!/usr/bin/env bash
# Builds a wheelhouse: everything an install needs without a registry.
#   scripts/wheelhouse.sh device|central [OUT]     (default OUT: dist/wheelhouse-<kind>)
# OUT gets the project's wheel (catalogues compiled in), every locked dependency as a wheel
# (requirements/<kind>.txt), that lock file, and the deploy scripts (deploy/install.sh or
# deploy/central/install-central.sh). Copy OUT to the machine and run the installer from it.
set -euo pipefail
cd "$(dirname "$0")/.."
KIND=${1:?usage: scripts/wheelhouse.sh device|central [OUT]}
case "$KIND" in device|central) ;; *) echo "device or central" >&2; exit 2;; esac
OUT=${2:-dist/wheelhouse-$KIND}
PY=${PYTHON:-.venv/bin/python}
mkdir -p "$OUT"
"$PY" -m pip wheel --quiet --no-deps --wheel-dir "$OUT" .
# wheels for all (an sdist-only dependency is built here, so the target needs no compiler)
"$PY" -m pip wheel --quiet --wheel-dir "$OUT" -r "requirements/$KIND.txt"
cp "requirements/$KIND.txt" "$OUT/"
rm -rf "$OUT/deploy" && cp -r provisioning/deploy "$OUT/deploy"
echo "wheelhouse: $OUT"
