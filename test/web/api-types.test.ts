// The web app's API types come from the api's own OpenAPI document: the generated file
// is what the generator makes now, the document it is made from (routes declared
// without a database) is the one a running api serves, and every path the web app
// calls is in it. That the pages' requests and answers fit the types is tsc's part
// (`tsc -p web` in `npm run check`).
import { expect } from 'chai';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiDocument, apiTypes } from '../../scripts/openapi-types-source.js';
import { startTestApi, type TestApi } from '../helpers/api.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const GENERATED = join(ROOT, 'web/src/api/schema.gen.ts');

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: unknown }> }>> };

function webSources(dir = join(ROOT, 'web/src')): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return webSources(path);
    return name.endsWith('.ts') && !name.endsWith('.gen.ts') ? [path] : [];
  });
}

/** `/api/incidents/${id}/place?x=${y}` → a pattern matching `/api/incidents/{id}/place`. */
function pathPattern(called: string): RegExp {
  const path = called.split('?')[0]!.replace(/\$\{[^}]*\}/g, '\u0000');
  const source = path
    .split('/')
    .map((segment) => (segment.includes('\u0000') ? '[^/]+' : segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}

/** Every request of the web app: [method, path as written, typed?]. */
function webCalls(): { method: string; path: string; typed: boolean; file: string }[] {
  const calls = [];
  const loose = /(?<![.\w])(get|post|put|patch|del|uploadRaw)(?:<[^(]*?>)?\(\s*([`'])(\/api\/[^`']*)\2/gs;
  const typed = /\bapi\s*\.(get|post|put|patch|delete)\(\s*'(\/api\/[^']*)'/gs;
  for (const file of webSources()) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(loose))
      calls.push({
        method: m[1] === 'del' ? 'delete' : m[1] === 'uploadRaw' ? 'post' : m[1]!,
        path: m[3]!,
        typed: false,
        file,
      });
    for (const m of text.matchAll(typed)) calls.push({ method: m[1]!, path: m[2]!, typed: true, file });
  }
  return calls;
}

describe('web API types generated from the OpenAPI document', function () {
  this.timeout(120_000);
  const doc = apiDocument() as Doc;

  it('web/src/api/schema.gen.ts is what the generator makes of the routes now', async () => {
    let onDisk = '';
    try {
      onDisk = readFileSync(GENERATED, 'utf8');
    } catch {
      expect.fail('web/src/api/schema.gen.ts is missing: `npm run types:web` (run by check and build:web)');
    }
    expect(onDisk === (await apiTypes(doc)), 'schema.gen.ts is out of date: `npm run types:web`').to.equal(true);
  });

  describe('against a running api', () => {
    let t: TestApi;
    before(async () => {
      t = await startTestApi('api-types');
    });
    after(async () => t?.close());

    it('the document made without a database is the one the api serves at /api/openapi.json', async () => {
      const served = (await t.anonymous.get('/api/openapi.json')).body as Doc;
      expect(Object.keys(doc.paths).sort()).to.deep.equal(Object.keys(served.paths).sort());
      expect(doc).to.deep.equal(served);
    });
  });

  it('every path the web app calls is in the document, with that method', () => {
    const calls = webCalls();
    expect(calls.length).to.be.greaterThan(40);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    const missing = calls.filter(({ method, path, typed }) => {
      if (typed) return !documented.includes(`${method} ${path}`);
      const pattern = pathPattern(path);
      return !documented.some((d) => d.startsWith(`${method} `) && pattern.test(d.slice(method.length + 1)));
    });
    expect(missing.map((c) => `${c.method} ${c.path} (${c.file.slice(ROOT.length)})`)).to.deep.equal([]);
  });

  it('the web app reads every described answer through the typed api.*, never through an untyped get<T>()', () => {
    const described = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => ['200', '201'].some((s) => op.responses[s]?.content))
        .map(([m]) => ({ method: m, path })),
    );
    expect(described.length).to.be.greaterThan(20);
    const untyped = webCalls().filter(
      (c) =>
        !c.typed &&
        described.some((d) => d.method === c.method && pathPattern(c.path).test(d.path.replace(/\{\w+\}/g, 'x'))),
    );
    expect(untyped.map((c) => `${c.method} ${c.path} (${c.file.slice(ROOT.length)})`)).to.deep.equal([]);
  });
});
