#!/usr/bin/env bash
# `npm test`: installs what is missing, type-checks and lints, then runs every test
# against real PostgreSQL/PostGIS, Redis, ffmpeg, RTSP and chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup/ensure-system.sh test
bash scripts/setup/ensure-node-modules.sh
npm run --silent check
if [ -f web/index.html ]; then npm run --silent build:web; fi
export NODE_ENV=test LOG_LEVEL=${LOG_LEVEL:-warn}
if [ $# -eq 0 ]; then set -- "test/**/*.test.ts"; fi
npx mocha "$@"
