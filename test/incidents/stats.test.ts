import { expect } from 'chai';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { incidentTown, inGrid, type IncidentTown } from '../helpers/incidents.js';
import type { HttpClient } from '../helpers/http.js';
import { sleep } from '../helpers/system.js';
import { TOWN, square } from '../helpers/tiny-town.js';

const DAY_MS = 86_400_000;
const OTHER_TOWN = '990101002';

interface Row {
  id: number | null;
  code: string | null;
  name: string | null;
  received: number;
  closed: number;
  closureRate: number | null;
  settledOnSpot: number;
  openNow: number;
  overdueNow: number;
  acceptP50S: number | null;
  acceptP95S: number | null;
  closeP50S: number | null;
  closeP95S: number | null;
  yellowCards: number;
  cardsAllTime?: number;
  flagged?: boolean;
}

describe('incident statistics and the yellow-card league', () => {
  let t: TestApi;
  let town: IncidentTown;
  let dispatcher: HttpClient;
  let outsider: HttpClient;
  const paperwork: number[] = [];
  const garbage: number[] = [];
  // Yellow cards are dated at the deadline they missed, days ahead of the real clock
  // here (the sweep is run with a clock 8 days on), so periods that should hold them end later.
  const upToCards = () => `to=${new Date(Date.now() + 10 * DAY_MS).toISOString()}`;

  async function report(body: Record<string, unknown>): Promise<number> {
    const res = await dispatcher.post('/api/incidents', body);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.merged).to.equal(false);
    return res.body.incident.id;
  }

  /** Dispatched by hand to phone i, who accepts it on the phone. */
  async function dispatchAndAccept(id: number, i: number): Promise<void> {
    const sent = await dispatcher.post(`/api/incidents/${id}/dispatch`, { personId: town.phones[i]!.personId });
    expect(sent.status, JSON.stringify(sent.body)).to.equal(200);
    const accepted = await town.phone(i).post(`/api/phone/offers/${sent.body.offer.id}/accept`);
    expect(accepted.body.state, JSON.stringify(accepted.body)).to.equal('accepted');
  }

  async function throughTheLoop(id: number, i: number): Promise<void> {
    for (const step of [{ action: 'start' }, { action: 'handle', note: '已办好' }, { action: 'verify', rating: 5 }]) {
      const res = await town.phone(i).post(`/api/phone/incidents/${id}/actions`, step);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
    }
    expect((await dispatcher.post(`/api/incidents/${id}/actions`, { action: 'close' })).body.state).to.equal('closed');
  }

  const stats = async (query: string, client = dispatcher) => {
    const res = await client.get(`/api/stats/incidents?${query}`);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body as { rows: Row[]; totals: Row; byCategory: Row[]; flagThreshold: number; from: string; to: string };
  };
  const rowOf = (rows: Row[], code: string | null) => rows.find((r) => r.code === code)!;

  before(async () => {
    t = await startTestApi('stats');
    // Phones 0, 1, 2 serve T1, T2 (west village) and T3 (east village).
    town = await incidentTown(t, 3);
    dispatcher = town.dispatcher;
    await t.admin.post('/api/areas/import', {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { code: OTHER_TOWN, name: '邻镇', level: 'town', parent_code: '990101' },
          geometry: square(120.05, 30, 0.03, 0.03),
        },
      ],
    });
    const otherTownId = (await t.admin.get(`/api/areas/${OTHER_TOWN}`)).body.id;
    outsider = await t.login(['operator', 'dispatcher'], [otherTownId]);

    // T1: four paperwork requests (便民服务) for phone 0, three closed through the loop and
    // one still in hand, and one settled on the spot (就地化解).
    for (let k = 0; k < 4; k++) {
      const id = await report({
        subcategory: 'services.paperwork',
        description: `代办证照 ${k + 1}`,
        ...inGrid(0, 0, 0.002 * k - 0.003, 0),
      });
      await dispatchAndAccept(id, 0);
      if (k < 3) await throughTheLoop(id, 0);
      paperwork.push(id);
    }
    await report({
      subcategory: 'services.paperwork',
      description: '当场解答',
      ...inGrid(0, 0, 0, 0.003),
      settledOnSpot: true,
    });

    // The API stamps the real clock, milliseconds apart; known times make the medians and
    // percentiles exact: accepted after 60, 120, 600 and 300 s, closed after 1, 2 and 10 hours.
    const base = new Date(Date.now() - 2 * DAY_MS);
    const times: [number, number | null][] = [
      [60, 3600],
      [120, 7200],
      [600, 36000],
      [300, null],
    ];
    for (const [k, [accept, close]] of times.entries()) {
      await t.api.services.db.query(
        `UPDATE incidents SET reported_at = $2, accepted_at = $2::timestamptz + make_interval(secs => $3),
           closed_at = CASE WHEN $4::int IS NULL THEN NULL ELSE $2::timestamptz + make_interval(secs => $4) END WHERE id = $1`,
        [paperwork[k], base, accept, close],
      );
    }
  });
  after(() => t.close());

  it('gives a grid its received, closed, closure rate, settled on the spot, open now and times to accept and close', async () => {
    const body = await stats('groupBy=grid');
    const t1 = rowOf(body.rows, 'T1');
    expect(t1).to.include({
      name: '测试网格1',
      received: 5,
      closed: 4,
      closureRate: 0.8,
      settledOnSpot: 1,
      openNow: 1,
      overdueNow: 0,
    });
    // accept: 60, 120, 300, 600 → median 210, p95 = 300 + 0.85 × 300 (percentile_cont interpolates)
    expect(t1).to.include({ acceptP50S: 210, acceptP95S: 555 });
    // close (the one settled on the spot is not timed): 3600, 7200, 36000
    expect(t1).to.include({ closeP50S: 7200, closeP95S: 33120 });
    expect(t1.id).to.be.a('number');
    expect(body.totals).to.include({ received: 5, closed: 4, code: null });
    expect(body.byCategory.map((r) => [r.code, r.name, r.received])).to.deep.equal([['services', '便民服务', 5]]);
    expect(new Date(body.to).getTime() - new Date(body.from).getTime()).to.equal(30 * DAY_MS);
  });

  it('groups by village, gridworker and subcategory with their names', async () => {
    const villages = (await stats('groupBy=village')).rows;
    expect(villages.map((r) => [r.code, r.name, r.received])).to.deep.equal([['990101001201', '西村', 5]]);
    const people = (await stats('groupBy=gridworker')).rows;
    const worker = people.find((r) => r.id === town.phones[0]!.personId)!;
    expect(worker).to.include({ name: '网格员1', received: 4, closed: 3, closureRate: 0.75, openNow: 1 });
    // Settled on the spot by an operator, so nobody holds it.
    expect(people.find((r) => r.id === null)).to.include({ name: null, received: 1, settledOnSpot: 1 });
    const subs = (await stats('groupBy=subcategory')).rows;
    expect(subs[0]).to.include({ code: 'services.paperwork', name: '证照代办', received: 5 });
  });

  it('counts an incident past its accept deadline as overdue now', async () => {
    // A drill's deadline: accept within 0.6 s (numeric minutes allow it).
    expect((await t.admin.patch('/api/incident-types/services.suggestion', { acceptMinutes: 0.01 })).status).to.equal(
      200,
    );
    await report({ subcategory: 'services.suggestion', description: '建议增设路灯', ...inGrid(2, 0) });
    await sleep(800);
    const t3 = rowOf((await stats('groupBy=grid')).rows, 'T3');
    expect(t3).to.include({
      received: 1,
      closed: 0,
      closureRate: 0,
      openNow: 1,
      overdueNow: 1,
      acceptP50S: null,
      closeP50S: null,
    });
  });

  it('flags a grid at its fifth yellow card, with the incidents behind its cards', async () => {
    // T2: rubbish reported twice (综合执法), far enough apart not to merge, nobody accepts.
    for (const dx of [-0.003, 0.003])
      garbage.push(
        await report({ subcategory: 'environment.garbage', description: '垃圾堆放', ...inGrid(1, 0, dx, 0) }),
      );
    const sweep = () => t.api.services.incidents.deadlines.sweep(new Date(Date.now() + 8 * DAY_MS));
    await sweep();
    let t2 = (await dispatcher.get('/api/grids/T2/yellow-cards')).body;
    expect(t2).to.include({ count: 4, threshold: 5, flagged: false });

    garbage.push(
      await report({ subcategory: 'environment.garbage', description: '垃圾又堆起来了', ...inGrid(1, 0, 0, 0.003) }),
    );
    await sweep();
    t2 = (await dispatcher.get('/api/grids/T2/yellow-cards')).body;
    expect(t2).to.include({ count: 6, threshold: 5, flagged: true });
    expect(t2.grid).to.include({ code: 'T2', name: '测试网格2' });
    expect(t2.grid.village).to.deep.equal({ code: '990101001201', name: '西村' });
    expect(t2.cards).to.have.length(6);
    const card = t2.cards.find(
      (c: { incident: { id: number; deadlineKind: string } }) =>
        c.incident.id === garbage[2] && c.incident.deadlineKind === 'accept',
    );
    expect(card.platform).to.equal('zhifa');
    expect(card.incident).to.include({
      subcategoryCode: 'environment.garbage',
      subcategoryName: '垃圾乱堆乱放',
      description: '垃圾又堆起来了',
      state: 'reported',
    });
    expect(new Date(card.incident.dueAt).getTime()).to.equal(new Date(card.givenAt).getTime());

    // T1's task still in hand missed its finish deadline: one card, to the gridworker holding it.
    const t1 = (await dispatcher.get('/api/grids/T1/yellow-cards')).body;
    expect(t1).to.include({ count: 1, flagged: false });
    expect(t1.cards[0]).to.deep.include({ kind: 'finish', person: { id: town.phones[0]!.personId, name: '网格员1' } });
    expect(t1.cards[0].incident.id).to.equal(paperwork[3]);
  });

  it('lists cards by grid, platform and period', async () => {
    const all = (await dispatcher.get('/api/yellow-cards')).body;
    expect(all.total).to.equal(9); // T2: 6, T1: 1, T3: 2
    const zhifa = (await dispatcher.get('/api/yellow-cards?platform=zhifa')).body;
    expect(zhifa.total).to.equal(6);
    const t3 = (await dispatcher.get(`/api/yellow-cards?grid=T3&town=${TOWN}`)).body;
    expect(t3.items.map((c: { kind: string }) => c.kind).sort()).to.deep.equal(['accept', 'finish']);
    expect(t3.items[0].grid).to.include({ code: 'T3', name: '测试网格3' });
    const early = (await dispatcher.get(`/api/yellow-cards?until=${new Date(Date.now() + 3 * DAY_MS).toISOString()}`))
      .body;
    expect(early.total).to.equal(4); // the accept deadlines (2 days, and T3's 0.6 s); finish ones are at 7 days
    const paged = (await dispatcher.get('/api/yellow-cards?limit=2&offset=1')).body;
    expect(paged).to.include({ total: 9 });
    expect(paged.items).to.have.length(2);
  });

  it('ranks grids, platforms and villages in the league, with the flag', async () => {
    const grids = (await dispatcher.get(`/api/stats/yellow-cards?town=${TOWN}`)).body;
    expect(grids.rows.map((r: Row & { count: number }) => [r.code, r.count, r.flagged])).to.deep.equal([
      ['T2', 6, true],
      ['T3', 2, false],
      ['T1', 1, false],
    ]);
    const platforms = (await dispatcher.get('/api/stats/yellow-cards?groupBy=platform')).body;
    expect(platforms.rows.map((r: Row & { count: number }) => [r.code, r.name, r.count])).to.deep.equal([
      ['zhifa', '综合执法', 6],
      ['bianmin', '便民服务', 3],
    ]);
    expect(platforms.rows[0]).to.not.have.property('flagged');
    const villages = (await dispatcher.get('/api/stats/yellow-cards?groupBy=village')).body;
    expect(villages.rows.map((r: Row & { count: number }) => [r.name, r.count])).to.deep.equal([
      ['西村', 7],
      ['东村', 2],
    ]);
  });

  it('counts the cards of a period in the statistics and flags the grid', async () => {
    const body = await stats(`groupBy=grid&${upToCards()}`);
    expect(rowOf(body.rows, 'T2')).to.include({
      received: 3,
      yellowCards: 6,
      cardsAllTime: 6,
      flagged: true,
      openNow: 3,
    });
    expect(rowOf(body.rows, 'T1')).to.include({ yellowCards: 1, flagged: false });
    expect(body.totals).to.include({ received: 9, yellowCards: 9 });
    expect(body.totals).to.not.have.property('flagged');
    // By default the period ends now, before those cards' dates.
    expect(rowOf((await stats('groupBy=grid')).rows, 'T2')).to.include({
      yellowCards: 0,
      cardsAllTime: 6,
      flagged: true,
    });
    const platforms = (await stats(`groupBy=platform&${upToCards()}`)).rows;
    const bianmin = rowOf(platforms, 'bianmin');
    expect(bianmin).to.include({ name: '便民服务', received: 6, yellowCards: 3, acceptP95S: 555 });
    expect(rowOf(platforms, 'zhifa')).to.include({
      name: '综合执法',
      received: 3,
      closed: 0,
      closureRate: 0,
      yellowCards: 6,
    });
    const categories = (await stats(`groupBy=category&${upToCards()}`)).rows;
    expect(categories.map((r) => [r.code, r.received, r.yellowCards])).to.deep.equal([
      ['services', 6, 3],
      ['environment', 3, 6],
    ]);
  });

  it('exports CSV that Excel opens: BOM, Chinese header and names, a file name', async () => {
    for (const [path, headers] of [
      [`/api/stats/incidents?groupBy=grid&format=csv&${upToCards()}`, {}],
      [`/api/stats/incidents?groupBy=grid&${upToCards()}`, { accept: 'text/csv' }],
    ] as const) {
      const res = await dispatcher.get(path, headers);
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^text\/csv; charset=utf-8/);
      expect(res.headers.get('content-disposition')).to.match(
        /^attachment; filename="incident-stats_all-towns_grid_\d{4}-\d\d-\d\d_\d{4}-\d\d-\d\d\.csv"/,
      );
      expect(res.raw.subarray(0, 3)).to.deep.equal(Buffer.from([0xef, 0xbb, 0xbf]));
      const lines = res.raw.toString('utf8').slice(1).trimEnd().split('\r\n');
      expect(lines[0]).to.equal(
        '网格 grid 编码 code,名称 name,收到 received,办结 closed,办结率% closure rate %,就地化解 settled on the spot,在办 open now,' +
          '超期 overdue now,受理用时中位数(秒) accept p50 s,受理用时P95(秒) accept p95 s,办结用时中位数(秒) close p50 s,办结用时P95(秒) close p95 s,' +
          '黄牌 yellow cards,累计黄牌 cards all time,亮牌 flagged',
      );
      expect(lines).to.include('T1,测试网格1,5,4,80,1,1,0,210,555,7200,33120,1,1,否 no');
      expect(lines).to.include('T2,测试网格2,3,0,0,0,3,0,,,,,6,6,是 yes');
      expect(lines.at(-1)).to.match(/^,合计 total,9,4,44\.4,/);
    }
    const json = await dispatcher.get('/api/stats/incidents?groupBy=grid', {
      accept: 'application/json, text/csv;q=0.5',
    });
    expect(json.headers.get('content-type')).to.match(/json/);
    const scoped = await dispatcher.get(`/api/stats/incidents?groupBy=village&format=csv&town=${TOWN}`);
    expect(scoped.headers.get('content-disposition')).to.include(`incident-stats_${TOWN}_village_`);
    expect(scoped.raw.toString('utf8')).to.include('990101001201,西村,8,');
  });

  it('shows an account of another town nothing of this one', async () => {
    const theirs = await stats(`groupBy=grid&${upToCards()}`, outsider);
    expect(theirs.rows).to.deep.equal([]);
    expect(theirs.totals).to.include({ received: 0, yellowCards: 0 });
    expect((await outsider.get('/api/yellow-cards')).body).to.deep.equal({ items: [], total: 0 });
    expect((await outsider.get('/api/stats/yellow-cards')).body.rows).to.deep.equal([]);
    expect((await outsider.get(`/api/stats/incidents?town=${TOWN}`)).status).to.equal(403);
    expect((await outsider.get(`/api/yellow-cards?town=${TOWN}`)).status).to.equal(403);
    expect((await outsider.get('/api/grids/T2/yellow-cards')).status).to.equal(403);
    expect((await outsider.get('/api/yellow-cards?grid=T2')).status).to.equal(403);
    expect((await t.anonymous.get('/api/stats/incidents')).status).to.equal(401);
    const gridworker = await t.login(['gridworker'], [town.townId]);
    expect((await gridworker.get('/api/stats/incidents')).status).to.equal(403);
    expect((await gridworker.get('/api/grids/T2/yellow-cards')).body.flagged).to.equal(true);
  });

  it("reads days as the town's days (China time), a closing day counting whole", async () => {
    const november = await stats('groupBy=town&from=2026-11-01&to=2026-11-30');
    expect([november.from, november.to]).to.deep.equal(['2026-10-31T16:00:00.000Z', '2026-11-30T16:00:00.000Z']);
    const csv = await dispatcher.get('/api/stats/incidents?groupBy=town&from=2026-11-01&to=2026-11-30&format=csv');
    expect(csv.headers.get('content-disposition')).to.include(
      'filename="incident-stats_all-towns_town_2026-11-01_2026-11-30.csv"',
    );
    // Yesterday and today: what these tests reported, less the four stamped two days ago.
    const chinaDay = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
    const recent = await stats(`groupBy=grid&from=${chinaDay(Date.now() - DAY_MS)}&to=${chinaDay(Date.now())}`);
    expect(rowOf(recent.rows, 'T1')).to.include({ received: 1, settledOnSpot: 1 });
    expect(recent.totals.received).to.equal(5);
  });

  it('is in the OpenAPI document', async () => {
    const paths = (await t.anonymous.get('/api/openapi.json')).body.paths;
    expect(paths).to.include.keys(
      '/api/stats/incidents',
      '/api/yellow-cards',
      '/api/grids/{code}/yellow-cards',
      '/api/stats/yellow-cards',
    );
  });

  it('refuses a bad grouping, bad dates and an unknown town or grid', async () => {
    for (const query of [
      'groupBy=street',
      'from=yesterday',
      'to=2026-13-45',
      'from=2026-02-30',
      'from=2026-11-02&to=2026-11-01',
      'colour=red',
      'format=xlsx',
    ]) {
      const res = await dispatcher.get(`/api/stats/incidents?${query}`);
      expect(res.status, query).to.equal(400);
      expect(res.body.error.code, query).to.be.a('string');
    }
    expect((await dispatcher.get('/api/stats/incidents?from=2026-11-02&to=2026-11-01')).body.error.code).to.equal(
      'bad_period',
    );
    expect((await dispatcher.get('/api/stats/yellow-cards?groupBy=category')).status).to.equal(400);
    expect((await dispatcher.get('/api/yellow-cards?platform=police')).status).to.equal(400);
    expect((await dispatcher.get('/api/yellow-cards?since=2026-11-02&until=2026-11-01')).status).to.equal(400);
    expect((await dispatcher.get('/api/stats/incidents?town=000000000')).status).to.equal(404);
    expect((await dispatcher.get('/api/grids/T99/yellow-cards')).status).to.equal(404);
  });
});
