#!/usr/bin/env bash
# `npm run check`: types, lint, migration hashes and formatting, in two lanes at once
# (each step is single-threaded; on a 2-core machine two lanes take ~55 % of the time).
# A lane's output is shown when it fails; the check fails when either lane does.
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

lane_server() {
  npx tsc --noEmit -p . &&
    npx eslint --max-warnings 0 .
}
lane_web() {
  npm run --silent types:web &&
    npx tsc --noEmit -p web &&
    npx tsc --noEmit -p test/unit/web &&
    npx tsx scripts/check-migrations.ts &&
    npx prettier --check --log-level warn "**/*.{ts,js,mjs,css,html}"
}

lane_server >"$out/server" 2>&1 &
server=$!
lane_web >"$out/web" 2>&1 &
web=$!
failed=0
wait $server || { echo "check failed (types of the server, or lint):"; cat "$out/server"; failed=1; }
wait $web || { echo "check failed (web types, migration hashes, or formatting):"; cat "$out/web"; failed=1; }
exit $failed
