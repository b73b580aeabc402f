#!/usr/bin/env bash
# `npm start`: installs what is missing, prepares the database, seeds the demo town
# on first start, and runs every process of the system.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup/ensure-system.sh start
bash scripts/setup/ensure-node-modules.sh
npx tsx scripts/db-setup.ts
if [ "${DEMO_TOWN:-true}" = true ]; then npx tsx scripts/seed-demo-town.ts; fi
if [ -f web/package.json ] || [ -f web/index.html ]; then npm run --silent build:web; fi
exec npx tsx scripts/run-all.ts
