// Writes the web app's API types (web/src/api/schema.gen.ts) from the OpenAPI document
// the api serves at /api/openapi.json, built here from the route declarations without a
// database. Run by `npm run build:web`, `npm run check` and `npm start`; the file is not
// committed. `--check` only says whether the file on disk is up to date.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiTypes } from './openapi-types-source.js';

const OUT = fileURLToPath(new URL('../web/src/api/schema.gen.ts', import.meta.url));

function current(): string | null {
  try {
    return readFileSync(OUT, 'utf8');
  } catch {
    return null;
  }
}

const fresh = await apiTypes();
if (process.argv.includes('--check')) {
  if (current() !== fresh) {
    console.error(`${OUT} is missing or out of date: run \`npx tsx scripts/openapi-types.ts\``);
    process.exit(1);
  }
} else if (current() !== fresh) {
  // Unchanged files are left alone: Vite and tsc --watch would rebuild for nothing.
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, fresh);
}
