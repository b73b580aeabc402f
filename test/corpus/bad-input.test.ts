// The bad-input corpus (bad-inputs.ts) against the real server: at least 1,000 cases
// over every public input; not one may get a 5xx, and every 4xx must say what, in JSON
// ({error: {code, message}} on the API and the OsmAnd port, Open311's own list there).
import { expect } from 'chai';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { twoTowns, type TwoTowns } from '../helpers/two-towns.js';
import { fillPath, ROUTE_RULES } from '../access/route-rules.js';
import { BAD_GEOMETRIES, open311Cases, osmandCases, routeCases, uploadCases, type BadCase } from './bad-inputs.js';

interface Outcome {
  c: BadCase;
  status: number;
  text: string;
  type: string;
  ms?: number;
}

describe('bad-input corpus: zero 5xx, every 4xx says what', function () {
  this.timeout(600_000);
  let t: TestApi;
  let towns: TwoTowns;
  let cases: BadCase[];
  let outcomes: Outcome[];

  before(async () => {
    t = await startTestApi('bad-input', {
      DEVICE_BURST: '1000000',
      DEVICE_PER_SECOND: '1000000',
      CAMERA_TIMEOUT_MS: '300',
    });
    towns = await twoTowns(t);
    const { A } = towns;
    const admin = { authorization: `Bearer ${t.admin.token}` };
    const device = { authorization: `Bearer ${A.deviceToken}` };
    cases = [];
    for (const route of t.api.routes) {
      const key = `${route.method.toUpperCase()} ${route.path}`;
      const rule = ROUTE_RULES[key];
      const given = rule?.req?.(A) ?? {};
      const headers =
        route.path.startsWith('/api/phone/') || route.path === '/api/positions/batch'
          ? device
          : rule?.roles === 'public'
            ? {}
            : admin;
      cases.push(
        ...routeCases(
          route,
          {
            path: given.path ?? fillPath(route.path, A),
            query: given.query,
            body: Buffer.isBuffer(given.body) ? undefined : given.body,
          },
          headers,
        ),
      );
    }
    const json = { ...admin, 'content-type': 'application/json' };
    const feature = (geometry: unknown) => ({
      type: 'Feature',
      properties: { code: 'Z9', name: '坏网格', kind: 'residential', village_code: A.villageCode },
      geometry,
    });
    for (const [what, geometry] of BAD_GEOMETRIES) {
      const area = {
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: { code: A.villageCode, name: '村', level: 'village', parent_code: A.townCode, synthetic: true },
            geometry,
          },
        ],
      };
      cases.push(
        {
          input: 'geojson',
          what: `area import: ${what}`,
          port: 'api',
          method: 'POST',
          url: '/api/areas/import',
          body: JSON.stringify(area),
          headers: json,
          shape: 'api',
        },
        {
          input: 'geojson',
          what: `plan grids: ${what}`,
          port: 'api',
          method: 'PUT',
          url: `/api/plans/${A.planId}/grids`,
          body: JSON.stringify({ type: 'FeatureCollection', features: [feature(geometry)] }),
          headers: json,
          shape: 'api',
        },
        {
          input: 'geojson',
          what: `plan grid: ${what}`,
          port: 'api',
          method: 'POST',
          url: `/api/plans/${A.planId}/grids`,
          body: JSON.stringify(feature(geometry)),
          headers: json,
          shape: 'api',
        },
        {
          input: 'geojson',
          what: `reshape: ${what}`,
          port: 'api',
          method: 'PATCH',
          url: `/api/plans/${A.planId}/grids/${A.gridCodes[1]}`,
          body: JSON.stringify({ geometry }),
          headers: json,
          shape: 'api',
        },
        {
          input: 'geojson',
          what: `split line: ${what}`,
          port: 'api',
          method: 'POST',
          url: `/api/plans/${A.planId}/grids/${A.gridCodes[1]}/split`,
          body: JSON.stringify({
            line: geometry,
            parts: [
              { code: 'S1', name: 'a' },
              { code: 'S2', name: 'b' },
            ],
          }),
          headers: json,
          shape: 'api',
        },
      );
    }
    for (const crs of ['', 'EPSG:3857', 'gcj02', 'BD09', '%00']) {
      cases.push({
        input: 'geojson',
        what: `area import crs=${crs}`,
        port: 'api',
        method: 'POST',
        url: `/api/areas/import?crs=${crs}`,
        body: '{"type":"FeatureCollection","features":[]}',
        headers: json,
        shape: 'api',
      });
    }
    const identifier = (await t.admin.get(`/api/people/${A.personId}`)).body.devices[0].identifier as string;
    cases.push(...osmandCases(identifier, A.point.lat, A.point.lon));
    const key = (await t.admin.post('/api/open311/clients', { name: 'corpus', townCode: A.townCode })).body
      .apiKey as string;
    cases.push(...open311Cases(key, A.point.lat, A.point.lon));
    cases.push(
      ...uploadCases(`/api/incidents/${A.incidentId}/media`, admin),
      ...uploadCases(`/api/phone/incidents/${A.incidentId}/media`, device),
    );

    outcomes = [];
    for (const c of cases) {
      const started = performance.now();
      outcomes.push({ ...(await send(c)), ms: performance.now() - started });
    }
    if (process.env['CORPUS_SUMMARY']) {
      const by = new Map<string, number>();
      for (const o of outcomes)
        by.set(
          `${o.c.input.includes(' /') ? 'route' : o.c.input} ${o.status}`,
          (by.get(`${o.c.input.includes(' /') ? 'route' : o.c.input} ${o.status}`) ?? 0) + 1,
        );
      console.log(cases.length, 'cases', Object.fromEntries([...by].sort()));
      console.log(
        [...outcomes]
          .sort((a, b) => b.ms! - a.ms!)
          .slice(0, 12)
          .map((o) => `${Math.round(o.ms!)} ms ${o.c.input} ${o.c.what.slice(0, 50)}`)
          .join('\n'),
      );
    }
  });
  after(async () => t?.close());

  async function send(c: BadCase): Promise<Outcome> {
    const base = c.port === 'osmand' ? t.api.osmandUrl : t.api.url;
    const abort = new AbortController();
    try {
      const res = await fetch(base + c.url, {
        method: c.method,
        headers: c.headers,
        body: c.body as string | undefined,
        signal: abort.signal,
      });
      const type = res.headers.get('content-type') ?? '';
      if (type.includes('text/event-stream')) {
        abort.abort();
        return { c, status: res.status, text: '', type };
      }
      return { c, status: res.status, text: await res.text(), type };
    } catch (err) {
      return { c, status: 599, text: `no answer: ${(err as Error).message}`, type: '' };
    }
  }

  /** Whether a 4xx says what went wrong, in the shape of where it was sent. */
  function saysWhat(o: Outcome): boolean {
    if (o.status === 405 && o.c.port === 'osmand') return o.type.includes('json');
    if (o.c.shape === 'open311') {
      if (o.type.includes('xml'))
        return /<code>\d{3}<\/code>/.test(o.text) && /<description>[^<]{3,}<\/description>/.test(o.text);
      try {
        const body = JSON.parse(o.text) as { code: number; description: string }[];
        return body[0]!.code === o.status && body[0]!.description.length > 3;
      } catch {
        return false;
      }
    }
    try {
      const body = JSON.parse(o.text) as { error: { code: string; message: string } };
      return typeof body.error.code === 'string' && body.error.message.length > 3;
    } catch {
      return false;
    }
  }

  it('has at least 1,000 cases over every kind of public input', () => {
    expect(cases.length).to.be.at.least(1000);
    const kinds = new Set(
      cases.map((c) =>
        c.input.startsWith('GET ') ||
        c.input.startsWith('POST ') ||
        c.input.startsWith('PUT ') ||
        c.input.startsWith('PATCH ') ||
        c.input.startsWith('DELETE ')
          ? 'route'
          : c.input,
      ),
    );
    expect([...kinds].sort()).to.deep.equal(['geojson', 'open311', 'osmand', 'route', 'upload']);
    const routes = new Set(cases.filter((c) => c.input.includes(' /')).map((c) => c.input));
    // Every route with an input (a path parameter, a query, a body) has cases.
    const withInput = t.api.routes.filter((r) => r.params || r.query || r.body || r.path.includes(':'));
    expect(
      withInput.filter((r) => !routes.has(`${r.method.toUpperCase()} ${r.path}`)).map((r) => r.path),
    ).to.deep.equal([]);
  });

  it('answers none of them with a 5xx (or not at all)', () => {
    const failed = outcomes.filter((o) => o.status >= 500 && !(o.status === 502 && o.c.input.includes('/api/cameras')));
    const lines = failed.map((o) => `${o.c.input} — ${o.c.what}: ${o.status} ${o.text.slice(0, 200)}`);
    if (lines.length) console.error(lines.join('\n'));
    expect(lines).to.deep.equal([]);
  });

  it("says what is wrong in every 4xx, in JSON (or Open311's own shape)", () => {
    const mute = outcomes.filter((o) => o.status >= 400 && o.status < 500 && !saysWhat(o));
    const lines = mute.map((o) => `${o.c.input} — ${o.c.what}: ${o.status} ${o.type} ${o.text.slice(0, 120)}`);
    if (lines.length) console.error(lines.join('\n'));
    expect(lines).to.deep.equal([]);
  });
});
