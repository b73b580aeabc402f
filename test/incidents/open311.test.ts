// Open311 GeoReport v2 at /open311/v2/, through HTTP against the real server: the
// services and their definitions, citizens' reports in JSON and XML (form-encoded,
// with an api_key), the merge of a second report, the requests and their filters, the
// status following the incident through the closed loop, and every refusal in the
// spec's own error shape.
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { XMLParser } from 'fast-xml-parser';
import pg from 'pg';
import { startTestApi, type TestApi } from '../helpers/api.js';
import type { HttpClient } from '../helpers/http.js';
import { inGrid, tinyTownWithPeople, type TinyTownWithPeople } from '../helpers/roster.js';
import { square, TOWN } from '../helpers/tiny-town.js';
import { imageSize, jpegWithGps, metadataIn } from '../helpers/exif.js';
import { PUBLIC_STATUS } from '../../incidents/open311/public-status.js';

// A second town east of the tiny town, with one grid, for keys tied to a town.
const OTHER_TOWN = '990101002';
const OTHER = { lon: 120.065, lat: 30.015 };

const LISTS = new Set(['service', 'request', 'error', 'attribute', 'value', 'endpoint', 'format']);
const xmlParser = new XMLParser({ isArray: (name) => LISTS.has(name), parseTagValue: false });

interface Answer {
  status: number;
  type: string;
  text: string;
  headers: Headers;
  /** The JSON body, or the XML parsed. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('Open311 GeoReport v2', () => {
  let t: TestApi;
  let town: TinyTownWithPeople;
  let db: pg.Pool;
  let dispatcher: HttpClient;
  let hotlineKey: string;
  let townKey: string;

  async function call(
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const res = await fetch(`${t.api.url}/open311/v2/${path}`, { method, body, headers });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    const body2 = type.includes('json') ? JSON.parse(text) : type.includes('xml') ? xmlParser.parse(text) : text;
    return { status: res.status, type, text, headers: res.headers, body: body2 };
  }
  const get = (path: string) => call('GET', path);
  const form = (fields: Record<string, string | string[]>) =>
    new URLSearchParams(
      Object.entries(fields).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]])),
    ).toString();
  const post = (format: string, fields: Record<string, string | string[]>, headers: Record<string, string> = {}) =>
    call('POST', `requests.${format}`, form(fields), {
      'content-type': 'application/x-www-form-urlencoded',
      ...headers,
    });

  /** A report in grid T5 (or elsewhere) with the hotline's key. */
  const report = (fields: Record<string, string | string[]>, at = inGrid(1, 1), format = 'json') =>
    post(format, { api_key: hotlineKey, lat: String(at.lat), long: String(at.lon), ...fields });

  function expectSpecError(a: Answer, status: number, words?: RegExp) {
    expect(a.status, a.text).to.equal(status);
    if (a.type.includes('xml')) {
      const error = a.body.errors.error;
      expect(error).to.have.length(1);
      expect(error[0].code).to.equal(String(status));
      if (words) expect(error[0].description).to.match(words);
      return;
    }
    expect(a.type).to.include('application/json');
    expect(a.body, a.text).to.be.an('array').with.length(1);
    expect(a.body[0]).to.have.keys(['code', 'description']);
    expect(a.body[0].code).to.equal(status);
    if (words) expect(a.body[0].description).to.match(words);
  }

  before(async () => {
    t = await startTestApi('open311');
    town = await tinyTownWithPeople(t, 3);
    db = new pg.Pool({ connectionString: t.db.url, max: 2 });
    dispatcher = await t.login(['dispatcher'], [town.townId]);

    const other = (code: string, name: string, level: string, parent: string, geometry: unknown) => ({
      type: 'Feature',
      properties: { code, name, level, parent_code: parent, synthetic: true },
      geometry,
    });
    const imported = await t.admin.post('/api/areas/import', {
      type: 'FeatureCollection',
      features: [
        other(OTHER_TOWN, '邻镇', 'town', '990101', square(120.05, 30, 0.03, 0.03)),
        other(`${OTHER_TOWN}201`, '邻村', 'village', OTHER_TOWN, square(120.05, 30, 0.03, 0.03)),
      ],
    });
    expect(imported.status, JSON.stringify(imported.body)).to.be.oneOf([200, 201]);
    const plan = (await t.admin.post('/api/plans', { scopeCode: OTHER_TOWN, title: 'grids' })).body.id;
    await t.admin.put(`/api/plans/${plan}/grids`, {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { code: 'U1', name: '邻镇网格1', kind: 'residential', village_code: `${OTHER_TOWN}201` },
          geometry: square(120.05, 30, 0.03, 0.03),
        },
      ],
    });
    const published = await t.admin.post(`/api/plans/${plan}/publish`);
    expect(published.status, JSON.stringify(published.body)).to.equal(200);

    hotlineKey = (await t.admin.post('/api/open311/clients', { name: '12345热线' })).body.apiKey;
    townKey = (await t.admin.post('/api/open311/clients', { name: '测试镇便民小程序', townCode: TOWN })).body.apiKey;
  });
  after(async () => {
    await db?.end();
    await t?.close();
  });

  describe('API keys for clients (admins, through the normal API)', () => {
    it('shows a key once, stores only its SHA-256, lists clients without keys, and disables one', async () => {
      const made = await t.admin.post('/api/open311/clients', { name: '测试客户端', townCode: TOWN });
      expect(made.status, JSON.stringify(made.body)).to.equal(201);
      expect(made.body).to.include({ name: '测试客户端', townCode: TOWN, disabled: false });
      expect(made.body.apiKey).to.match(/^o311_[\w-]{32}$/);
      const { rows } = await db.query(`SELECT key_hash FROM open311_clients WHERE id = $1`, [made.body.id]);
      expect(rows[0].key_hash.equals(createHash('sha256').update(made.body.apiKey).digest())).to.equal(true);

      const listed = await t.admin.get('/api/open311/clients');
      expect(listed.status).to.equal(200);
      expect(listed.raw.toString()).not.to.include(made.body.apiKey);
      expect(listed.body.clients.map((c: { name: string }) => c.name)).to.include.members(['12345热线', '测试客户端']);
      expect(listed.body.clients[0]).not.to.have.any.keys('apiKey', 'keyHash', 'key_hash');

      const before = await report({
        api_key: made.body.apiKey,
        service_code: 'services.suggestion',
        description: '建议',
      });
      expect(before.status, before.text).to.equal(200);
      const disabled = await t.admin.delete(`/api/open311/clients/${made.body.id}`);
      expect(disabled.status).to.equal(200);
      expect(disabled.body.disabled).to.equal(true);
      expectSpecError(await report({ api_key: made.body.apiKey, service_code: 'services.suggestion' }), 403, /api_key/);
    });

    it('is for admins only, and refuses a town that does not exist', async () => {
      expect((await dispatcher.post('/api/open311/clients', { name: 'x' })).status).to.equal(403);
      expect((await dispatcher.get('/api/open311/clients')).status).to.equal(403);
      expect((await t.anonymous.get('/api/open311/clients')).status).to.equal(401);
      const unknown = await t.admin.post('/api/open311/clients', { name: 'x', townCode: '000000000' });
      expect(unknown.status).to.equal(422);
      expect((await t.admin.delete('/api/open311/clients/999999')).status).to.equal(404);
    });
  });

  describe('discovery and services', () => {
    it('describes the endpoint in discovery.json and discovery.xml', async () => {
      const json = await get('discovery.json');
      expect(json.status).to.equal(200);
      expect(json.type).to.include('application/json');
      const endpoint = json.body.endpoints[0];
      expect(endpoint).to.include({
        specification: 'http://wiki.open311.org/GeoReport_v2',
        url: `${t.api.url}/open311/v2`,
        type: 'production',
      });
      expect(endpoint.formats).to.have.members(['text/xml', 'application/json']);

      const xml = await get('discovery.xml');
      expect(xml.status).to.equal(200);
      expect(xml.type).to.include('text/xml');
      expect(xml.text).to.match(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
      const x = xml.body.discovery.endpoints.endpoint[0];
      expect(x.url).to.equal(`${t.api.url}/open311/v2`);
      expect(x.formats.format).to.have.members(['text/xml', 'application/json']);
    });

    it('lists the active subcategories as services in JSON and XML', async () => {
      const json = await get('services.json');
      expect(json.status).to.equal(200);
      expect(json.body).to.have.length(42);
      const fire = json.body.find((s: { service_code: string }) => s.service_code === 'fire.outbreak');
      expect(fire).to.deep.include({ service_name: '火情', metadata: true, type: 'realtime', group: '消防安全' });
      expect(fire.keywords).to.include('Fire');
      expect(fire.description).to.be.a('string').and.include('火情');
      expect(json.body.find((s: { service_code: string }) => s.service_code === 'dispute.neighbour').metadata).to.equal(
        false,
      );

      const cors = await fetch(`${t.api.url}/open311/v2/services.json`, {
        headers: { origin: 'https://citizen.example' },
      });
      expect(cors.headers.get('access-control-allow-origin')).to.equal('*');

      const xml = await get('services.xml');
      expect(xml.status).to.equal(200);
      const services = xml.body.services.service;
      expect(services).to.have.length(42);
      expect(services.map((s: { service_code: string }) => s.service_code)).to.deep.equal(
        json.body.map((s: { service_code: string }) => s.service_code),
      );
      expect(services.find((s: { service_code: string }) => s.service_code === 'fire.outbreak')).to.deep.include({
        metadata: 'true',
        group: '消防安全',
        type: 'realtime',
      });
    });

    it('leaves out a subcategory an admin turned off', async () => {
      expect((await t.admin.patch('/api/incident-types/services.paperwork', { active: false })).status).to.equal(200);
      try {
        // The taxonomy is cached per process for up to 10 s; this one was just told.
        const codes = (await get('services.json')).body.map((s: { service_code: string }) => s.service_code);
        expect(codes).not.to.include('services.paperwork');
        expectSpecError(await get('services/services.paperwork.json'), 404);
      } finally {
        await t.admin.patch('/api/incident-types/services.paperwork', { active: true });
      }
    });

    it('gives a service definition with its attributes in JSON and XML', async () => {
      const json = await get('services/fire.outbreak.json');
      expect(json.status).to.equal(200);
      expect(json.body.service_code).to.equal('fire.outbreak');
      const [attr] = json.body.attributes;
      expect(attr).to.deep.include({
        variable: true,
        code: 'people_trapped',
        datatype: 'singlevaluelist',
        required: true,
        order: 1,
      });
      expect(attr.datatype_description).to.be.a('string').that.is.not.empty;
      expect(attr.description).to.include('被困');
      expect(attr.values.map((v: { key: string }) => v.key)).to.deep.equal(['yes', 'no', 'unknown']);

      const xml = await get('services/fire.outbreak.xml');
      expect(xml.status).to.equal(200);
      const def = xml.body.service_definition;
      expect(def.service_code).to.equal('fire.outbreak');
      const x = def.attributes.attribute[0];
      expect(x).to.deep.include({
        variable: 'true',
        code: 'people_trapped',
        datatype: 'singlevaluelist',
        required: 'true',
        order: '1',
      });
      expect(x.values.value.map((v: { key: string; name: string }) => v.key)).to.deep.equal(['yes', 'no', 'unknown']);

      const labour = await get('services/dispute.labour.json');
      expect(labour.body.attributes[0]).to.deep.include({ code: 'workers', datatype: 'number', required: false });
      expect(labour.body.attributes[0]).not.to.have.property('values');
      expect((await get('services/dispute.neighbour.json')).body).to.deep.equal({
        service_code: 'dispute.neighbour',
        attributes: [],
      });
    });

    it("answers an unknown service code 404 in the spec's shape, in either format", async () => {
      expectSpecError(await get('services/no.such.json'), 404, /no\.such/);
      expectSpecError(await get('services/no.such.xml'), 404, /no\.such/);
    });

    it('accepts the town codes it serves as jurisdiction_id, and 404s others', async () => {
      expect((await get(`services.json?jurisdiction_id=${TOWN}`)).status).to.equal(200);
      expectSpecError(await get('services.json?jurisdiction_id=nowhere'), 404, /jurisdiction_id/);
      expectSpecError(await get('requests.xml?jurisdiction_id=123'), 404, /jurisdiction_id/);
    });
  });

  describe('POST requests', () => {
    let streetlightId: string;

    it('takes a form-encoded report and answers JSON; contact and attributes are stored with the report', async () => {
      const at = inGrid(1, 1);
      const a = await report(
        {
          service_code: 'services.streetlight',
          description: '路灯不亮了',
          address_string: '测试镇人民路12号',
          email: 'citizen@example.com',
          phone: '13912345678',
          first_name: '小明',
          last_name: '王',
          device_id: 'dev-1',
          account_id: 'acct-7',
          media_url: 'https://example.com/photo.jpg',
        },
        at,
      );
      expect(a.status, a.text).to.equal(200);
      expect(a.body).to.have.length(1);
      expect(a.body[0]).to.have.keys(['service_request_id', 'service_notice', 'account_id']);
      expect(a.body[0].service_request_id).to.match(/^\d+$/);
      expect(a.body[0].account_id).to.equal('acct-7');
      expect(a.body[0].service_notice).to.include('便民服务');
      streetlightId = a.body[0].service_request_id;

      const {
        rows: [incident],
      } = await db.query(
        `SELECT source, state, subcategory_code, address, platform, lon, lat FROM incidents WHERE id = $1`,
        [streetlightId],
      );
      expect(incident).to.deep.include({
        source: 'open311',
        state: 'reported',
        subcategory_code: 'services.streetlight',
        address: '测试镇人民路12号',
        platform: 'bianmin',
      });
      expect(incident.lon).to.be.closeTo(at.lon, 1e-9);
      const {
        rows: [stored],
      } = await db.query(`SELECT contact, attributes, description FROM incident_reports WHERE incident_id = $1`, [
        streetlightId,
      ]);
      expect(stored.contact).to.deep.equal({
        email: 'citizen@example.com',
        phone: '13912345678',
        first_name: '小明',
        last_name: '王',
        device_id: 'dev-1',
        account_id: 'acct-7',
      });
      expect(stored.attributes).to.deep.equal({ media_url: 'https://example.com/photo.jpg' });
      expect(stored.description).to.equal('路灯不亮了');
      const {
        rows: [history],
      } = await db.query(
        `SELECT actor_kind, actor_label, action FROM incident_history WHERE incident_id = $1 ORDER BY id LIMIT 1`,
        [streetlightId],
      );
      expect(history).to.deep.equal({ actor_kind: 'citizen', actor_label: '12345热线', action: 'report' });
    });

    it('answers XML for requests.xml and validates the attributes against the definition', async () => {
      const a = await report(
        { service_code: 'fire.outbreak', description: '仓库冒烟', 'attribute[people_trapped]': 'no' },
        inGrid(0, 0),
        'xml',
      );
      expect(a.status, a.text).to.equal(200);
      expect(a.type).to.include('text/xml');
      const [req] = a.body.service_requests.request;
      expect(req.service_request_id).to.match(/^\d+$/);
      expect(req.service_notice).to.be.a('string').that.is.not.empty;
      expect(req).to.have.property('account_id');
      const {
        rows: [stored],
      } = await db.query(`SELECT attributes FROM incident_reports WHERE incident_id = $1`, [req.service_request_id]);
      expect(stored.attributes).to.deep.equal({ people_trapped: 'no' });

      const labour = await report(
        { service_code: 'dispute.labour', description: '拖欠工资', 'attribute[workers]': '12' },
        inGrid(2, 2),
      );
      expect(labour.status, labour.text).to.equal(200);
    });

    it('merges a second report of the same kind nearby into the open incident and says so', async () => {
      const near = inGrid(1, 1, 0.0001, 0.0001); // about 14 m away
      const a = await report(
        { service_code: 'services.streetlight', description: '这里的路灯也坏了', email: 'other@example.com' },
        near,
      );
      expect(a.status, a.text).to.equal(200);
      expect(a.body[0].service_request_id).to.equal(streetlightId);
      expect(a.body[0].service_notice).to.match(/并入|joined/);
      const { rows } = await db.query(`SELECT report_count FROM incidents WHERE id = $1`, [streetlightId]);
      expect(rows[0].report_count).to.equal(2);
      // Three citizens calling about one fire at once: one incident, three reports.
      const burning = await Promise.all(
        [0, 1, 2].map((i) =>
          report({ service_code: 'environment.burning', description: `烧秸秆 ${i}` }, inGrid(0, 2, i * 0.0002)).then(
            (r) => r.body[0].service_request_id,
          ),
        ),
      );
      expect(new Set(burning).size).to.equal(1);
      expect(
        (await db.query(`SELECT report_count FROM incidents WHERE id = $1`, [burning[0]])).rows[0].report_count,
      ).to.equal(3);
      // Another kind at the same place is its own incident.
      const other = await report({ service_code: 'environment.garbage', description: '垃圾堆放' }, near);
      expect(other.body[0].service_request_id).not.to.equal(streetlightId);
    });

    it('lets a key tied to a town report only inside it', async () => {
      const inside = await post('json', {
        api_key: townKey,
        service_code: 'services.suggestion',
        lat: String(inGrid(2, 0).lat),
        long: String(inGrid(2, 0).lon),
      });
      expect(inside.status, inside.text).to.equal(200);
      const outside = await post('json', {
        api_key: townKey,
        service_code: 'services.suggestion',
        lat: String(OTHER.lat),
        long: String(OTHER.lon),
      });
      expectSpecError(outside, 403, /990101001/);
      const elsewhere = await post('xml', {
        api_key: townKey,
        service_code: 'services.suggestion',
        jurisdiction_id: OTHER_TOWN,
        lat: String(OTHER.lat),
        long: String(OTHER.lon),
      });
      expectSpecError(elsewhere, 403);
      // The hotline's key reports anywhere, but a jurisdiction_id keeps it to that town.
      expect((await report({ service_code: 'services.suggestion' }, OTHER)).status).to.equal(200);
      expectSpecError(
        await report({ service_code: 'services.suggestion', jurisdiction_id: TOWN }, OTHER),
        400,
        /jurisdiction_id/,
      );
    });

    describe("refusals, each in the spec's error shape", () => {
      const T5 = inGrid(1, 1, 0.003, -0.003);
      const base = () => ({
        api_key: hotlineKey,
        service_code: 'services.suggestion',
        lat: String(T5.lat),
        long: String(T5.lon),
      });

      it('403 without an api_key or with a bad one', async () => {
        const { api_key: _, ...noKey } = base();
        expectSpecError(await post('json', noKey), 403, /api_key/);
        expectSpecError(await post('xml', noKey), 403, /api_key/);
        expectSpecError(await post('json', { ...base(), api_key: 'o311_not-a-key' }), 403);
        expectSpecError(await post('json', { ...base(), api_key: 'whatever' }), 403);
        expectSpecError(await post('json', { ...base(), api_key: '' }), 403);
      });

      it('400 for a missing or unknown service_code', async () => {
        const { service_code: _, ...noCode } = base();
        expectSpecError(await post('json', noCode), 400, /service_code/);
        expectSpecError(await post('json', { ...base(), service_code: 'no.such' }), 400, /no\.such/);
        expectSpecError(await post('xml', { ...base(), service_code: '<script>' }), 400, /service_code/);
      });

      it('400 without lat and long, and for an address that names no town here when no town is given', async () => {
        const { lat: _, long: __, ...nowhere } = base();
        expectSpecError(await post('json', nowhere), 400, /lat and long/);
        expectSpecError(await post('json', { ...nowhere, address_string: '人民路12号' }), 400, /jurisdiction_id/);
        expectSpecError(await post('json', { ...nowhere, lat: String(T5.lat) }), 400, /long/);
      });

      it('400 for coordinates out of range or not numbers', async () => {
        expectSpecError(await post('json', { ...base(), lat: '95' }), 400, /lat must be between -90 and 90/);
        expectSpecError(await post('json', { ...base(), long: '-200.5' }), 400, /long must be between -180 and 180/);
        expectSpecError(await post('json', { ...base(), lat: 'abc' }), 400, /lat/);
        expectSpecError(await post('xml', { ...base(), long: '1e3' }), 400, /long/);
      });

      it('400 for a point outside every town', async () => {
        expectSpecError(await post('json', { ...base(), lat: '31.5', long: '121.5' }), 400, /outside/);
      });

      it('400 for a missing required attribute, a value not in the list, a number that is not one, an unknown attribute', async () => {
        const fire = { ...base(), service_code: 'fire.outbreak', description: '着火了' };
        expectSpecError(await post('json', fire), 400, /attribute\[people_trapped\] is required/);
        expectSpecError(
          await post('json', { ...fire, 'attribute[people_trapped]': 'maybe' }),
          400,
          /"maybe" is not one of: yes, no, unknown/,
        );
        expectSpecError(await post('json', { ...fire, 'attribute[people_trapped]': ['yes', 'no'] }), 400, /one of/);
        expectSpecError(
          await post('json', { ...fire, 'attribute[people_trapped]': 'no', 'attribute[colour]': 'red' }),
          400,
          /attribute\[colour\]/,
        );
        const labour = { ...base(), service_code: 'dispute.labour', description: '拖欠工资' };
        expectSpecError(await post('xml', { ...labour, 'attribute[workers]': 'many' }), 400, /must be a number/);
      });

      it('400 for an e-mail, phone or media_url that is not one', async () => {
        expectSpecError(await post('json', { ...base(), email: 'not-an-email' }), 400, /email/);
        expectSpecError(await post('json', { ...base(), phone: 'call me' }), 400, /phone/);
        expectSpecError(await post('json', { ...base(), media_url: 'javascript:alert(1)' }), 400, /media_url/);
      });

      it("400 for a body that is not form-encoded, even malformed JSON (never the server's own error shape)", async () => {
        const json = await call('POST', 'requests.json', '{"api_key": ', { 'content-type': 'application/json' });
        expectSpecError(json, 400, /form-encoded/);
        const latin1 = await call('POST', 'requests.json', form(base()), {
          'content-type': 'application/x-www-form-urlencoded; charset=iso-8859-1',
        });
        expectSpecError(latin1, 400, /UTF-8/);
      });

      it("413 for a huge body, in the spec's shape", async () => {
        const huge = await post('json', { ...base(), description: '很'.repeat(400_000) });
        expectSpecError(huge, 413);
      });
    });
  });

  describe('GET requests', () => {
    let ids: Record<string, string>;

    before(async () => {
      const made = async (code: string, at: { lat: number; lon: number }, extra: Record<string, string> = {}) =>
        (await report({ service_code: code, description: `${code} 测试`, ...extra }, at)).body[0]
          .service_request_id as string;
      ids = {
        road: await made('traffic.road_damage', inGrid(0, 2), {
          email: 'secret-citizen@example.com',
          phone: '13700000001',
          first_name: '秘密',
          last_name: '市民',
          device_id: 'secret-device',
          account_id: 'secret-account',
        }),
        river: await made('environment.river', inGrid(2, 1)),
      };
    });

    it("shows one request by id, in JSON and XML, without the citizen's contact details", async () => {
      const json = await get(`requests/${ids['road']}.json`);
      expect(json.status).to.equal(200);
      expect(json.body).to.have.length(1);
      const r = json.body[0];
      expect(r).to.deep.include({
        service_request_id: ids['road'],
        status: 'open',
        service_code: 'traffic.road_damage',
        service_name: '道路破损',
        description: 'traffic.road_damage 测试',
        agency_responsible: '便民服务',
      });
      expect(r.lat).to.be.closeTo(inGrid(0, 2).lat, 1e-9);
      expect(r.long).to.be.closeTo(inGrid(0, 2).lon, 1e-9);
      for (const key of ['requested_datetime', 'updated_datetime', 'expected_datetime']) {
        expect(r[key], key).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
      }
      expect(Date.parse(r.expected_datetime) - Date.parse(r.requested_datetime)).to.be.closeTo(10080 * 60_000, 5_000);
      for (const secret of ['secret-citizen', '13700000001', '秘密', '市民', 'secret-device', 'secret-account']) {
        expect(json.text, secret).not.to.include(secret);
      }
      expect(r).not.to.have.any.keys('email', 'phone', 'first_name', 'last_name', 'device_id', 'account_id', 'contact');

      const xml = await get(`requests/${ids['road']}.xml`);
      expect(xml.status).to.equal(200);
      const [x] = xml.body.service_requests.request;
      expect(x).to.deep.include({
        service_request_id: ids['road'],
        status: 'open',
        agency_responsible: '便民服务',
        service_code: 'traffic.road_damage',
      });
      expect(Number(x.lat)).to.be.closeTo(inGrid(0, 2).lat, 1e-9);
      expect(xml.text).not.to.include('secret-citizen');
    });

    it('filters by service_request_id (a comma list overriding the rest), service_code, dates, status and jurisdiction', async () => {
      const idsOf = (a: Answer) => a.body.map((r: { service_request_id: string }) => r.service_request_id);
      const all = await get('requests.json');
      expect(all.status).to.equal(200);
      expect(idsOf(all)).to.include.members([ids['road'], ids['river']]);

      expect(idsOf(await get(`requests.json?service_request_id=${ids['road']},${ids['river']}`))).to.have.members([
        ids['road'],
        ids['river'],
      ]);
      expect(
        idsOf(
          await get(`requests.json?service_request_id=${ids['road']}&service_code=environment.river&status=closed`),
        ),
      ).to.deep.equal([ids['road']]);
      expect(idsOf(await get('requests.json?service_code=environment.river'))).to.deep.equal([ids['river']]);
      expect(idsOf(await get('requests.json?service_code=environment.river,traffic.road_damage'))).to.have.members([
        ids['road'],
        ids['river'],
      ]);

      const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
      const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
      expect(idsOf(await get(`requests.json?start_date=${hourAgo}&end_date=${inAnHour}`))).to.include.members([
        ids['road'],
        ids['river'],
      ]);
      expect(await get(`requests.json?start_date=${inAnHour}`)).to.deep.include({ body: [] });
      expect(await get(`requests.json?end_date=${encodeURIComponent('2020-01-01T00:00:00+08:00')}`)).to.deep.include({
        body: [],
      });

      expect(idsOf(await get('requests.json?status=open'))).to.include.members([ids['road'], ids['river']]);
      expect(idsOf(await get('requests.json?status=closed'))).not.to.include(ids['road']);
      expect(idsOf(await get('requests.json?status=open,closed'))).to.include(ids['road']);

      expect(idsOf(await get(`requests.json?jurisdiction_id=${TOWN}`))).to.include.members([ids['road'], ids['river']]);
      expect(idsOf(await get(`requests.json?jurisdiction_id=${OTHER_TOWN}`))).not.to.include(ids['road']);

      const xml = await get('requests.xml?service_code=environment.river');
      expect(
        xml.body.service_requests.request.map((r: { service_request_id: string }) => r.service_request_id),
      ).to.deep.equal([ids['river']]);
      const none = await get('requests.xml?service_code=no.such');
      expect(none.status).to.equal(200);
      expect(none.text).to.match(/<service_requests>\s*<\/service_requests>/);
    });

    it("shows only what citizens reported, not the command room's own incidents", async () => {
      const own = await dispatcher.post('/api/incidents', {
        subcategory: 'traffic.parking',
        description: '操作员上报',
        lon: inGrid(0, 1).lon,
        lat: inGrid(0, 1).lat,
      });
      expect(own.status, JSON.stringify(own.body)).to.equal(201);
      const id = String(own.body.incident.id);
      expect(
        (await get('requests.json')).body.map((r: { service_request_id: string }) => r.service_request_id),
      ).not.to.include(id);
      expectSpecError(await get(`requests/${id}.json`), 404);
    });

    it('masks phone and ID-card numbers a citizen wrote into the description, and keeps XML well-formed', async () => {
      const text = '井盖丢失，请回电13912345678，身份证330602199001011234\u0001';
      const id = (await report({ service_code: 'traffic.road_damage', description: text }, inGrid(1, 2))).body[0]
        .service_request_id;
      const json = (await get(`requests/${id}.json`)).body[0];
      expect(json.description).to.equal('井盖丢失，请回电139****5678，身份证330602********1234\u0001');
      const xml = await get(`requests/${id}.xml`);
      expect(xml.status).to.equal(200);
      expect(xml.body.service_requests.request[0].description).to.equal(
        '井盖丢失，请回电139****5678，身份证330602********1234',
      );
      // The command room still reads the report as written.
      expect((await dispatcher.get(`/api/incidents/${id}`)).body.incident.description).to.equal(text);
    });

    it('refuses bad filters with a 400', async () => {
      expectSpecError(await get('requests.json?status=pending'), 400, /status/);
      expectSpecError(await get('requests.json?start_date=yesterday'), 400, /start_date/);
      expectSpecError(await get('requests.xml?service_request_id=1,abc'), 400, /abc/);
      expectSpecError(
        await get(`requests.json?start_date=${new Date().toISOString()}&end_date=2020-01-01`),
        400,
        /after/,
      );
    });

    it('answers 404 for an unknown request id and an unknown format or resource', async () => {
      expectSpecError(await get('requests/999999.json'), 404, /999999/);
      expectSpecError(await get('requests/999999.xml'), 404, /999999/);
      expectSpecError(await get('requests/abc.json'), 404);
      expectSpecError(await get('services.csv'), 404, /format/);
      expectSpecError(await get(`requests/${ids['road']}.html`), 404, /format/);
      expectSpecError(await get('discovery'), 404, /format/);
      expectSpecError(await get('tokens/123.json'), 404);
      expectSpecError(await call('DELETE', 'requests.json'), 404);
      expectSpecError(
        await call('POST', 'services.json', '', { 'content-type': 'application/x-www-form-urlencoded' }),
        404,
      );
      const v1 = await fetch(`${t.api.url}/open311/v1/services.json`);
      expect(v1.status).to.equal(404);
      expect(await v1.json()).to.be.an('array');
    });
  });

  describe('status following the incident', () => {
    it("stays open through dispatch and work and closes, telling only a fixed text per state, never the command room's notes or photos", async () => {
      const a = await report(
        { service_code: 'traffic.road_damage', description: '路面塌陷', address_string: '东村路口' },
        inGrid(2, 0),
      );
      const id = a.body[0].service_request_id as string;
      const status = async () => (await get(`requests/${id}.json`)).body[0];
      expect(await status()).to.deep.include({ status: 'open', status_notes: PUBLIC_STATUS.reported, media_url: null });

      const phone = town.phones[0]!;
      const offered = await dispatcher.post(`/api/incidents/${id}/dispatch`, { personId: phone.personId });
      expect(offered.status, JSON.stringify(offered.body)).to.equal(200);
      expect(await status()).to.deep.include({ status: 'open' });
      // Not "指定派给 网格员1，459 m": who was sent and how far is the command room's.
      expect((await status()).status_notes).to.equal(PUBLIC_STATUS.dispatched);

      const asPhone = { authorization: `Bearer ${phone.token}` };
      const accepted = await t.anonymous.post(`/api/phone/offers/${offered.body.offer.id}/accept`, {}, asPhone);
      expect(accepted.status, JSON.stringify(accepted.body)).to.equal(200);
      const phoneAct = (body: object) => t.anonymous.post(`/api/phone/incidents/${id}/actions`, body, asPhone);
      expect((await phoneAct({ action: 'start' })).status).to.equal(200);
      expect((await phoneAct({ action: 'handle', note: '已修补路面' })).status).to.equal(200);
      expect(await status()).to.deep.include({ status: 'open', status_notes: PUBLIC_STATUS.handled });

      // A photo of the work is the command room's: not the public's.
      const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(100, 1)]);
      const photo = await dispatcher.request('POST', `/api/incidents/${id}/media`, jpeg, {
        'content-type': 'image/jpeg',
      });
      expect(photo.status, JSON.stringify(photo.body)).to.equal(201);

      expect((await dispatcher.post(`/api/incidents/${id}/actions`, { action: 'verify', rating: 5 })).status).to.equal(
        200,
      );
      const closed = await dispatcher.post(`/api/incidents/${id}/actions`, { action: 'close', note: '回访群众，满意' });
      expect(closed.status, JSON.stringify(closed.body)).to.equal(200);

      const after = await status();
      expect(after).to.deep.include({
        status: 'closed',
        status_notes: PUBLIC_STATUS.closed,
        address: '东村路口',
        media_url: null,
      });
      expect(Date.parse(after.updated_datetime)).to.be.at.least(Date.parse(after.requested_datetime));
      expectSpecError(await get(`requests/${id}/media/${photo.body.id}`), 404);
      expectSpecError(await get(`requests/${id}/media/999999`), 404);
      const everything = (await get('requests.json')).text;
      for (const internal of ['已修补路面', '回访群众', '派给', ' m']) expect(everything).not.to.include(internal);

      const idsOf = (a2: Answer) => a2.body.map((r: { service_request_id: string }) => r.service_request_id);
      expect(idsOf(await get('requests.json?status=closed'))).to.include(id);
      expect(idsOf(await get('requests.json?status=open'))).not.to.include(id);
      const xml = (await get(`requests/${id}.xml`)).body.service_requests.request[0];
      expect(xml).to.deep.include({ status: 'closed', status_notes: PUBLIC_STATUS.closed });

      // A new report of the same kind there now opens a new request: the old one is closed.
      const again = await report({ service_code: 'traffic.road_damage', description: '又塌了' }, inGrid(2, 0));
      expect(again.body[0].service_request_id).not.to.equal(id);
    });

    it('shows an incident merged by the command room as closed, pointing to the one it joined', async () => {
      const first = (await report({ service_code: 'environment.air', description: '扬尘' }, inGrid(0, 1, -0.003)))
        .body[0].service_request_id;
      const second = (await report({ service_code: 'environment.air', description: '扬尘很大' }, inGrid(0, 1, 0.003)))
        .body[0].service_request_id;
      expect(second).not.to.equal(first); // 600 m apart: beyond the 200 m merge radius
      const merged = await dispatcher.post(`/api/incidents/${second}/actions`, {
        action: 'merge',
        mergeInto: Number(first),
        note: '同一工地',
      });
      expect(merged.status, JSON.stringify(merged.body)).to.equal(200);
      const r = (await get(`requests/${second}.json`)).body[0];
      expect(r.status).to.equal('closed');
      expect(r.status_notes).to.include(`#${first}`).and.not.include('同一工地');
      expect((await get(`requests/${first}.json`)).body[0].status).to.equal('open');
    });
  });

  describe("the citizen's photo", () => {
    /** A multipart/form-data body of text fields and one file part. */
    function multipart(fields: Record<string, string>, file?: { name: string; type: string; body: Buffer }) {
      const boundary = `----wg${Date.now()}`;
      const parts: Buffer[] = Object.entries(fields).map(([k, v]) =>
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`),
      );
      if (file) {
        parts.push(
          Buffer.from(
            `--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="IMG_0001.jpg"\r\nContent-Type: ${file.type}\r\n\r\n`,
          ),
          file.body,
          Buffer.from('\r\n'),
        );
      }
      parts.push(Buffer.from(`--${boundary}--\r\n`));
      return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
    }
    const postMultipart = (m: { body: Buffer; type: string }) =>
      fetch(`${t.api.url}/open311/v2/requests.json`, {
        method: 'POST',
        body: m.body as unknown as string,
        headers: { 'content-type': m.type },
      });
    const count = async () => Number((await db.query('SELECT count(*) FROM incident_reports')).rows[0].count);

    it('takes a photo with the report and shows it publicly without its EXIF (GPS), XMP or comment', async () => {
      const original = jpegWithGps();
      expect(metadataIn(original)).to.deep.equal(['EXIF', 'XMP GPS', 'GPSInfo tag', 'comment']);
      const at = inGrid(2, 2, 0.002);
      const res = await postMultipart(
        multipart(
          {
            api_key: hotlineKey,
            service_code: 'environment.garbage',
            description: '垃圾桶满了',
            lat: String(at.lat),
            long: String(at.lon),
          },
          { name: 'media', type: 'image/jpeg', body: original },
        ),
      );
      const answer = await res.json();
      expect(res.status, JSON.stringify(answer)).to.equal(200);
      const id = answer[0].service_request_id as string;
      const request = (await get(`requests/${id}.json`)).body[0];
      expect(request.media_url).to.match(new RegExp(`/open311/v2/requests/${id}/media/\\d+$`));
      const image = await fetch(request.media_url);
      expect(image.status).to.equal(200);
      expect(image.headers.get('content-type')).to.equal('image/jpeg');
      const served = Buffer.from(await image.arrayBuffer());
      expect(metadataIn(served)).to.deep.equal([]);
      expect(imageSize(served)).to.equal('32,24');
      expect(served.length).to.be.lessThan(original.length);
      // The command room sees the same photo on the card, stripped as stored.
      const card = await dispatcher.get(`/api/incidents/${id}`);
      expect(card.body.media).to.have.length(1);
      const internal = await dispatcher.get(`/api/incidents/${id}/media/${card.body.media[0].id}`);
      expect(metadataIn(internal.raw)).to.deep.equal([]);
    });

    it('refuses a media part that is not a photo, or a broken one, writing nothing', async () => {
      const before = await count();
      const fields = {
        api_key: hotlineKey,
        service_code: 'environment.garbage',
        lat: String(inGrid(0, 2).lat),
        long: String(inGrid(0, 2).lon),
      };
      const text = await postMultipart(
        multipart(fields, { name: 'media', type: 'image/jpeg', body: Buffer.from('not a photo at all') }),
      );
      expect(text.status).to.equal(400);
      expect((await text.json())[0].description).to.match(/JPEG, PNG or WebP/);
      const broken = jpegWithGps();
      const cut = await postMultipart(
        multipart(fields, { name: 'media', type: 'image/jpeg', body: broken.subarray(0, 30) }),
      );
      expect(cut.status).to.equal(400);
      expect((await cut.json())[0].description).to.match(/not a readable image\/jpeg/);
      const noEnd = await postMultipart({
        body: Buffer.from('--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1'),
        type: 'multipart/form-data; boundary=x',
      });
      expect(noEnd.status).to.equal(400);
      expect((await noEnd.json())[0].description).to.match(/closing boundary/);
      const noBoundary = await postMultipart({ body: Buffer.from('x'), type: 'multipart/form-data' });
      expect(noBoundary.status).to.equal(400);
      expect(await count()).to.equal(before);
    });
  });

  describe('a call sent again (the hotline retries until it gets an answer)', () => {
    const reports = async () => Number((await db.query('SELECT count(*) FROM incident_reports')).rows[0].count);
    const reportsOf = async (id: string) =>
      (await db.query('SELECT attributes FROM incident_reports WHERE incident_id = $1', [id])).rows;
    const call = (extra: Record<string, string> = {}) => ({
      api_key: hotlineKey,
      service_code: 'market.prices',
      description: '菜市场有摊位缺斤少两',
      lat: String(inGrid(2, 1).lat),
      long: String(inGrid(2, 1).lon),
      ...extra,
    });

    it('files a call once however often the same Idempotency-Key is sent, and replays the first answer', async () => {
      const key = { 'idempotency-key': 'hotline-call-0001' };
      const before = await reports();
      const first = await post('json', call(), key);
      expect(first.status, first.text).to.equal(200);
      expect(first.headers.get('idempotent-replayed')).to.equal(null);
      const again = await post('json', call(), key);
      expect(again.status, again.text).to.equal(200);
      expect(again.headers.get('idempotent-replayed')).to.equal('true');
      expect(again.body).to.deep.equal(first.body);
      // The retry may ask for the other format: the same request, in XML.
      const asXml = await post('xml', call(), key);
      expect(asXml.status, asXml.text).to.equal(200);
      expect(asXml.body.service_requests.request[0].service_request_id).to.equal(first.body[0].service_request_id);
      expect(await reports()).to.equal(before + 1);
      const id = first.body[0].service_request_id as string;
      expect((await db.query('SELECT report_count FROM incidents WHERE id = $1', [id])).rows[0].report_count).to.equal(
        1,
      );
    });

    it("takes the hotline's own case number (external_id) as the call's key, kept with the report", async () => {
      const before = await reports();
      const first = await post('json', call({ service_code: 'services.elderly', external_id: 'GD-20261122-000123' }));
      expect(first.status, first.text).to.equal(200);
      // Sent again by another worker of the hotline's system: no Idempotency-Key, same case number.
      const again = await post(
        'json',
        call({ service_code: 'services.elderly', external_id: 'GD-20261122-000123', description: '再次转办' }),
      );
      expect(again.status, again.text).to.equal(200);
      expect(again.headers.get('idempotent-replayed')).to.equal('true');
      expect(again.body).to.deep.equal(first.body);
      expect(await reports()).to.equal(before + 1);
      const id = first.body[0].service_request_id as string;
      expect(await reportsOf(id)).to.deep.equal([{ attributes: { external_id: 'GD-20261122-000123' } }]);
      // Another client's case of the same number is its own call.
      const other = await post('json', { ...call({ external_id: 'GD-20261122-000123' }), api_key: townKey });
      expect(other.status, other.text).to.equal(200);
      expect(other.headers.get('idempotent-replayed')).to.equal(null);
      expect(await reports()).to.equal(before + 2);
    });

    it('answers a retry that overtakes the first 409 with Retry-After, and files it once', async () => {
      const before = await reports();
      const key = { 'idempotency-key': 'hotline-call-0002' };
      const answers = await Promise.all(
        [0, 1, 2].map(() => post('json', call({ service_code: 'traffic.parking', description: '占用消防通道' }), key)),
      );
      const filed = answers.filter((a) => a.status === 200);
      expect(filed.length, answers.map((a) => a.text).join(' | ')).to.be.at.least(1);
      expect(new Set(filed.map((a) => a.body[0].service_request_id)).size).to.equal(1);
      for (const busy of answers.filter((a) => a.status !== 200)) {
        expectSpecError(busy, 409, /still being handled/);
        expect(busy.headers.get('retry-after')).to.equal('2');
      }
      expect(await reports()).to.equal(before + 1);
    });

    it('lets a refused call be sent again, corrected, with the same key; refuses a bad key or case number', async () => {
      const before = await reports();
      const key = { 'idempotency-key': 'hotline-call-0003' };
      expectSpecError(await post('json', call({ service_code: 'no.such' }), key), 400, /service_code/);
      const corrected = await post('json', call({ service_code: 'dispute.neighbour' }), key);
      expect(corrected.status, corrected.text).to.equal(200);
      expect(corrected.headers.get('idempotent-replayed')).to.equal(null);
      expectSpecError(await post('json', call(), { 'idempotency-key': 'x' }), 400, /Idempotency-Key/);
      expectSpecError(await post('xml', call({ external_id: '9'.repeat(101) })), 400, /external_id/);
      expect(await reports()).to.equal(before + 1);
    });
  });
});
