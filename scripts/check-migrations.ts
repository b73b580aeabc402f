// A migration that has landed is never edited: `npm run check` compares every migration
// with the hash recorded when it landed (platform/db/migrations/landed.sha256) and fails on
// an edited, removed or unrecorded one. `--record` adds the new migrations' hashes; it
// never rewrites a recorded one.
import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'platform', 'db', 'migrations');
const manifestPath = path.join(dir, 'landed.sha256');

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path.join(dir, file)))
    .digest('hex');
}

async function readManifest(): Promise<Map<string, string>> {
  const text = await readFile(manifestPath, 'utf8').catch(() => '');
  const recorded = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{64}) {2}(\S+)$/.exec(line.trim());
    if (m) recorded.set(m[2]!, m[1]!);
  }
  return recorded;
}

const record = process.argv.includes('--record');
const recorded = await readManifest();
const files = (await readdir(dir)).filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).sort();
const problems: string[] = [];
const added: string[] = [];
for (const [name, hash] of recorded) {
  if (!files.includes(name)) problems.push(`${name} has landed but is gone: restore it`);
  else if ((await sha256(name)) !== hash)
    problems.push(`${name} has landed but was edited: revert it and add a new migration`);
}
for (const name of files.filter((f) => !recorded.has(f))) {
  if (record) added.push(`${await sha256(name)}  ${name}`);
  else problems.push(`${name} is not recorded: run \`npm run migrations:record\` when it lands`);
}
if (added.length > 0) {
  const lines = [...recorded].map(([name, hash]) => `${hash}  ${name}`).concat(added);
  await writeFile(manifestPath, lines.join('\n') + '\n');
  console.log(`recorded ${added.length} migration(s)`);
}
if (problems.length > 0) {
  console.error(problems.map((p) => `migrations: ${p}`).join('\n'));
  process.exit(1);
}
