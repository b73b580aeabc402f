#!/usr/bin/env bash
# Installs npm packages from the lockfile when node_modules is missing or older than it.
set -euo pipefail
cd "$(dirname "$0")/../.."
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "[setup] npm ci (packages from the lockfile)"
  # npm 11 records only this platform's optional binaries (esbuild, rollup) in the
  # lockfile and then its own `npm ci` calls the lockfile out of sync; `npm install`
  # installs the same locked versions, so it is the fallback.
  if ! npm ci --no-audit --no-fund --loglevel=error 2>/tmp/wangge-npm-ci.log; then
    echo "[setup] npm ci refused the lockfile ($(grep -m1 -o 'can only install.*in sync' /tmp/wangge-npm-ci.log || echo 'see /tmp/wangge-npm-ci.log')); npm install from the lockfile instead"
    npm install --no-audit --no-fund --loglevel=error
  fi
fi
