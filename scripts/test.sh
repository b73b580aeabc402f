#!/usr/bin/env bash
# `npm test`: installs what is missing, type-checks and lints, then runs every test
# against real PostgreSQL/PostGIS, Redis, ffmpeg, RTSP and chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup/ensure-system.sh test
bash scripts/setup/ensure-node-modules.sh
npm run --silent check
# Both builds of the web app at once (the production one is what npm start serves; the
# test one carries the hooks the browser tests reach); check has generated the API types.
npx vite build web --logLevel warn &
production=$!
npx vite build web --mode test --outDir dist-test --emptyOutDir --logLevel warn &
testing=$!
wait $production
wait $testing
export NODE_ENV=test LOG_LEVEL=${LOG_LEVEL:-warn}
if [ $# -eq 0 ]; then set -- "test/**/*.test.ts"; fi
# Test files run three at a time (mocha --parallel): each has its own database cloned from
# this run's template and its own Redis prefix; the suite waits on browsers, cameras and
# timers more than it computes, so three fit the two cores (TEST_JOBS=1: one at a time).
export WANGGE_TEST_RUN=$$
if [ "${TEST_JOBS:-3}" -gt 1 ]; then
  npx mocha --parallel --jobs "${TEST_JOBS:-3}" "$@"
else
  npx mocha "$@"
fi
