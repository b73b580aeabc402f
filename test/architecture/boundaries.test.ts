// The layers hold: the lint rule reports a deliberate violation (so a broken rule cannot
// pass silently), and the folder import graph of the repository has no cycle between
// top-level folders and no arrow from a domain or the platform up to the composition.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { ESLint } from 'eslint';
import { DOMAINS } from '../../eslint-rules/layers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PROBES = path.join(ROOT, 'test/architecture/probe');
const LAYERED = ['platform', ...DOMAINS, 'server', 'workers'];

async function lintAs(probe: string, filePath: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(readFileSync(path.join(PROBES, probe), 'utf8'), { filePath });
  return result!.messages.filter((m) => m.ruleId === 'local/layers').map((m) => `${m.line}: ${m.message}`);
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

/** top folder → the top folders it imports (relative imports only; packages are not folders). */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const top of LAYERED) {
    const edges = new Set<string>();
    for (const file of tsFiles(path.join(ROOT, top))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)) {
        const target = path.relative(ROOT, path.resolve(path.dirname(file), m[1]!)).split(path.sep)[0]!;
        if (target !== top) edges.add(target);
      }
    }
    graph.set(top, edges);
  }
  return graph;
}

/** The tables of the domains others reach through their services (people's roster, gis's areas and grids). */
const OWNED_TABLES: Record<string, string[]> = {
  people: ['people', 'person_grids', 'devices'],
  gis: ['areas', 'grids', 'grid_versions', 'grid_plans', 'plan_grids', 'grid_publications', 'roads'],
};
/** Domains that ask people/ and gis/ through their modules and name none of their tables in SQL. */
const THROUGH_SERVICES = ['notifications', 'fieldwork'];

/** `file: FROM people` for each table of another domain a domain's SQL names (SQL keywords are upper case here). */
function foreignTables(domain: string): string[] {
  const foreign = new Map(
    Object.entries(OWNED_TABLES)
      .filter(([owner]) => owner !== domain)
      .flatMap(([owner, tables]) => tables.map((t) => [t, owner] as const)),
  );
  return tsFiles(path.join(ROOT, domain)).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/\b(?:FROM|JOIN|INTO|UPDATE)\s+([a-z_]+)\b/g)]
      .filter((m) => foreign.has(m[1]!))
      .map((m) => `${path.relative(ROOT, file)}: ${m[0]} (${foreign.get(m[1]!)}/)`),
  );
}

function cycles(graph: Map<string, Set<string>>): string[][] {
  const found: string[][] = [];
  const walk = (node: string, trail: string[]) => {
    for (const next of graph.get(node) ?? []) {
      if (next === trail[0]) found.push([...trail, next]);
      else if (!trail.includes(next) && next > trail[0]!) walk(next, [...trail, next]);
    }
  };
  for (const start of graph.keys()) walk(start, [start]);
  return found;
}

describe('architecture: the layers', () => {
  it('the lint rule reports a domain reaching inside another, or up into the composition', async () => {
    const problems = await lintAs('deep-import.ts', 'people/probe.ts');
    expect(problems).to.have.length(2);
    expect(problems[0]).to.match(/^4: people\/ reaches gis\/ only through gis\/module\.ts/);
    expect(problems[1]).to.match(/^5: a domain never imports the composition/);
  });

  it('the lint rule reports the platform importing a domain, even its module', async () => {
    const problems = await lintAs('platform-up.ts', 'platform/probe.ts');
    expect(problems).to.have.length(2);
    for (const p of problems) expect(p).to.include('platform/ is the foundation');
  });

  it('the same probe is fine where imports are free (test/, scripts/)', async () => {
    expect(await lintAs('deep-import.ts', 'scripts/probe.ts')).to.deep.equal([]);
  });

  it("notifications/ and fieldwork/ reach people's and grids' tables only through those modules' services", () => {
    expect(THROUGH_SERVICES.flatMap(foreignTables)).to.deep.equal([]);
  });

  it('has no cycle between top-level folders and no arrow up to server/ or workers/', () => {
    const graph = folderGraph();
    expect(cycles(graph), 'cycles between folders').to.deep.equal([]);
    const up = [...graph].flatMap(([from, to]) =>
      [...to].filter((t) => t === 'server' || t === 'workers').map((t) => `${from} → ${t}`),
    );
    expect(
      up.filter((arrow) => !arrow.startsWith('workers → server')),
      'arrows up to the composition',
    ).to.deep.equal([]);
    expect(
      [...graph.get('platform')!].filter((t) => LAYERED.includes(t)),
      'platform → a layer above',
    ).to.deep.equal([]);
  });
});
