// The 交办 queue a page at a time: the server filters, orders and pages it and says how
// many match in all, so a county's thousands of handoffs never travel at once; every bad
// paging or filter input is a 4xx that names the field.
import { expect } from 'chai';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { inGrid } from '../helpers/incidents.js';
import { orgTown, type OrgTown } from '../helpers/orgs.js';
import { TOWN, square } from '../helpers/tiny-town.js';

const MARKET = ['market.food', 'market.prices', 'market.unlicensed', 'market.fake_drugs', 'market.special_equipment'];

interface Row {
  id: number;
  incidentId: number;
  state: string;
  acceptDueAt: string;
  incident: { description: string; townName: string };
}

describe('organisations: the 交办 queue a page at a time', function () {
  this.timeout(60_000);
  let t: TestApi;
  let town: OrgTown;
  /** Incident ids by how soon their accept deadline comes (the first is due first). */
  const byDeadline: number[] = [];

  before(async () => {
    t = await startTestApi('queue-paging');
    town = await orgTown(t);
    // Five cases for the 市场监管所, each subcategory with its own accept deadline: 5 h, 4 h … 1 h.
    const made: { id: number; minutes: number }[] = [];
    for (const [i, subcategory] of MARKET.entries()) {
      const minutes = (MARKET.length - i) * 60;
      await t.admin.put(`/api/handoff-deadlines/${subcategory}`, { acceptMinutes: minutes, finishMinutes: 7 * 1440 });
      const res = await town.room.post('/api/incidents', {
        subcategory,
        description: `市场案件${i}${i === 2 ? ' 烧烤' : ''}`,
        ...inGrid(i % 3, Math.floor(i / 3)),
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      const id = res.body.incident.id as number;
      expect((await town.room.post(`/api/incidents/${id}/handoffs`, { lead: 'T-scjgs' })).status).to.equal(201);
      made.push({ id, minutes });
    }
    byDeadline.push(...made.sort((a, b) => a.minutes - b.minutes).map((m) => m.id));
    // One accepted: it leaves the "offered" filter.
    const res = await town.scjgs.post(`/api/incidents/${byDeadline[4]}/handoffs/steps`, { action: 'accept' });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  });
  after(() => t?.close());

  it('pages through the queue by deadline with the total, every case once', async () => {
    const seen: number[] = [];
    for (let offset = 0; offset < 6; offset += 2) {
      const res = await town.scjgs.get(`/api/handoffs?limit=2&offset=${offset}`);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.total).to.equal(5);
      expect([res.body.limit, res.body.offset, res.body.sort, res.body.order]).to.deep.equal([2, offset, 'due', 'asc']);
      expect(res.body.items.length).to.equal(Math.min(2, 5 - offset));
      seen.push(...(res.body.items as Row[]).map((r) => r.incidentId));
    }
    // The accepted one is due later (its finish deadline): last.
    expect(seen).to.deep.equal(byDeadline);
    // Past the end: an empty page, the total still said.
    const beyond = (await town.scjgs.get('/api/handoffs?limit=2&offset=40')).body;
    expect([beyond.items.length, beyond.total]).to.deep.equal([0, 5]);
    // Newest handed first, the other way round.
    const newest = (await town.scjgs.get('/api/handoffs?sort=offered&limit=1')).body.items as Row[];
    expect(newest[0]!.incidentId).to.equal(Math.max(...byDeadline));
    const latestDue = (await town.scjgs.get('/api/handoffs?order=desc&limit=1')).body.items as Row[];
    expect(latestDue[0]!.incidentId).to.equal(byDeadline[4]);
  });

  it('filters on the server: state, overdue, words, #id, town, and the county sees every town', async () => {
    const get = async (q: string) => {
      const res = await town.scjgs.get(`/api/handoffs?${q}`);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      return { total: res.body.total as number, ids: (res.body.items as Row[]).map((r) => r.incidentId) };
    };
    expect((await get('state=offered')).total).to.equal(4);
    expect((await get('state=accepted')).ids).to.deep.equal([byDeadline[4]]);
    expect((await get('overdue=true')).total).to.equal(0);
    expect((await get('overdue=false')).total).to.equal(5);
    const words = await get(`q=${encodeURIComponent('烧烤')}`);
    expect(words.total).to.equal(1);
    expect((await get(`q=${encodeURIComponent(`#${byDeadline[1]}`)}`)).ids).to.deep.equal([byDeadline[1]]);
    // A % is a character, not a wildcard.
    expect((await get('q=%25')).total).to.equal(0);
    expect((await get(`town=${TOWN}&limit=500`)).total).to.equal(5);
    // The county centre's staff (command room roles) see every handoff of their towns.
    const county = await town.county.get(`/api/handoffs?town=${TOWN}&sort=town`);
    expect(county.status).to.equal(200);
    expect(county.body.total).to.equal(5);
    expect((county.body.items as Row[])[0]!.incident.townName).to.be.a('string');
  });

  it('answers bad paging and filters with a 4xx naming the field, never a 500', async () => {
    const cases: [string, number, string?][] = [
      ['limit=0', 400, 'limit'],
      ['limit=501', 400, 'limit'],
      ['limit=abc', 400, 'limit'],
      ['limit=1.5', 400, 'limit'],
      ['offset=-1', 400, 'offset'],
      ['offset=1e9', 400, 'offset'],
      ['sort=deadline', 400, 'sort'],
      ['order=up', 400, 'order'],
      ['state=done', 400, 'state'],
      ['kind=gift', 400, 'kind'],
      ['open=maybe', 400, 'open'],
      ['overdue=1', 400, 'overdue'],
      [`q=${'x'.repeat(101)}`, 400, 'q'],
      ['town=%27%3B--', 400, 'town'],
      ['page=2', 400],
      ['town=000000', 404],
      ['org=nobody-here', 404],
    ];
    for (const [q, status, field] of cases) {
      const res = await town.scjgs.get(`/api/handoffs?${q}`);
      expect(res.status, `${q}: ${JSON.stringify(res.body)}`).to.equal(status);
      expect(res.body.error?.message, q).to.be.a('string');
      if (field) expect(JSON.stringify(res.body.error), q).to.contain(field);
    }
    // Another town's code: not this account's.
    const other = await t.admin.post('/api/areas/import', {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { code: '990101002', name: '别镇', level: 'town', parent_code: '990101', synthetic: true },
          geometry: square(120.1, 30, 0.03, 0.03),
        },
      ],
    });
    expect(other.status, JSON.stringify(other.body)).to.be.oneOf([200, 201]);
    expect((await town.scjgs.get('/api/handoffs?town=990101002')).status).to.equal(403);
  });
});
