#!/usr/bin/env bash
# The rules the build enforces: ruff (lint), import-linter (layers, no cycles), mypy (strict on the core).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/ruff ] || bash scripts/setup.sh
echo "[lint] ruff";         .venv/bin/ruff check -q .
echo "[lint] import-linter"; .venv/bin/lint-imports --no-cache >/dev/null || .venv/bin/lint-imports --no-cache
echo "[lint] mypy";         .venv/bin/mypy
echo "[lint] ok"
