#!/usr/bin/env bash
# Installs npm packages from the lockfile when node_modules is missing or older than it.
set -euo pipefail
cd "$(dirname "$0")/../.."
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "[setup] npm ci (packages from the lockfile)"
  npm ci --no-audit --no-fund --loglevel=error
fi
