// Two towns side by side, each with one of everything a route can name (a person of
// the grid roles with a phone, a camera, an incident with a photo, a draft plan, a pushed
// stream, an Open311 key) and one account per role scoped to it. Every name in town A
// carries "MARKA" and in town B "MARKB", so a test can tell whose data an answer holds.
import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { ROLES, type Role } from '../../platform/auth/roles.js';
import type { TestApi } from './api.js';
import { HttpClient } from './http.js';
import { square } from './tiny-town.js';

export interface TownFixture {
  key: 'A' | 'B';
  mark: string;
  townId: number;
  townCode: string;
  villageCode: string;
  gridCodes: string[];
  /** Inside the town, in its first grid. */
  point: { lon: number; lat: number };
  accounts: Record<Role, { client: HttpClient; id: number; username: string }>;
  /** Linked to the town's gridworker account (their own). */
  personId: number;
  /** Another person of the town: nobody's own. */
  otherPersonId: number;
  deviceId: number;
  deviceToken: string;
  /** Registered by the town's installer account. */
  cameraId: number;
  /** Registered by someone else. */
  otherCameraId: number;
  /** Reported by the town's gridworker account, with one photo. */
  incidentId: number;
  mediaId: number;
  /** Reported by the command room: not the gridworker's own. */
  otherIncidentId: number;
  otherMediaId: number;
  planId: number;
  liveSourceId: number;
  open311ClientId: number;
  /** orgs: the town's 市场监管所, its department account a member (受理). */
  orgId: number;
  orgCode: string;
}

export interface TwoTowns {
  A: TownFixture;
  B: TownFixture;
  jpeg: Buffer;
}

const DISTRICT = '990101';
export const FIXTURE_PASSWORD = 'password-for-tests';
let uniq = 0;

function townAreas(key: 'A' | 'B', code: string, x0: number) {
  const f = (c: string, name: string, level: string, parent: string | null, geometry: unknown) => ({
    type: 'Feature',
    properties: { code: c, name, level, parent_code: parent, synthetic: true },
    geometry,
  });
  return [
    f(code, `MARK${key}镇`, 'town', DISTRICT, square(x0, 30, 0.02, 0.01)),
    f(`${code}201`, `MARK${key}村`, 'village', code, square(x0, 30, 0.02, 0.01)),
  ];
}

export async function twoTowns(t: TestApi): Promise<TwoTowns> {
  const imported = await t.admin.post('/api/areas/import', {
    type: 'FeatureCollection',
    features: [
      {
        type: 'Feature',
        properties: { code: '9901', name: '测试市', level: 'city', parent_code: null, synthetic: true },
        geometry: square(119.9, 29.9, 0.3, 0.3),
      },
      {
        type: 'Feature',
        properties: { code: DISTRICT, name: '测试区', level: 'district', parent_code: '9901', synthetic: true },
        geometry: square(119.95, 29.95, 0.2, 0.2),
      },
      ...townAreas('A', '990101001', 120),
      ...townAreas('B', '990101002', 120.05),
    ],
  });
  expect(imported.status, JSON.stringify(imported.body)).to.equal(200);
  const jpeg = execFileSync('ffmpeg', [
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'color=c=red:s=16x16',
    '-frames:v',
    '1',
    '-f',
    'mjpeg',
    '-',
  ]);
  const A = await town(t, 'A', '990101001', 120, jpeg);
  const B = await town(t, 'B', '990101002', 120.05, jpeg);
  return { A, B, jpeg };
}

async function town(t: TestApi, key: 'A' | 'B', code: string, x0: number, jpeg: Buffer): Promise<TownFixture> {
  const mark = `MARK${key}`;
  const village = `${code}201`;
  const grids = [`${key}1`, `${key}2`];
  const plan = (await t.admin.post('/api/plans', { scopeCode: code, title: `${mark} grids` })).body.id as number;
  const put = await t.admin.put(`/api/plans/${plan}/grids`, {
    type: 'FeatureCollection',
    features: grids.map((g, i) => ({
      type: 'Feature',
      properties: { code: g, name: `${mark}网格${i + 1}`, kind: 'residential', village_code: village },
      geometry: square(x0 + i * 0.01, 30, 0.01, 0.01),
    })),
  });
  expect(put.status, JSON.stringify(put.body)).to.equal(200);
  expect((await t.admin.post(`/api/plans/${plan}/publish`)).status).to.equal(200);
  const townId = (await t.admin.get(`/api/areas/${code}`)).body.id as number;

  const accounts = {} as TownFixture['accounts'];
  for (const role of ROLES) {
    const username = `${role}-${key}-${++uniq}-${process.pid}`;
    const made = await t.admin.post('/api/accounts', {
      username,
      displayName: `${mark} ${role}`,
      password: FIXTURE_PASSWORD,
      roles: [role],
      townIds: [townId],
    });
    expect(made.status, JSON.stringify(made.body)).to.equal(201);
    const login = await t.anonymous.post('/api/auth/login', { username, password: FIXTURE_PASSWORD });
    accounts[role] = { client: t.anonymous.as(login.body.token as string), id: made.body.id as number, username };
  }

  const people = await t.admin.post('/api/people', [
    {
      name: `${mark}网格员`,
      phone: '13800000001',
      roles: ['fulltime_gridworker'],
      villageCode: village,
      gridCodes: [grids[0]],
      dutyStatus: 'on_duty',
      accountId: accounts.gridworker.id,
    },
    {
      name: `${mark}网格长`,
      phone: '13800000002',
      roles: ['grid_head'],
      villageCode: village,
      gridCodes: [grids[1]],
      dutyStatus: 'on_duty',
    },
  ]);
  expect(people.status, JSON.stringify(people.body)).to.equal(201);
  const [personId, otherPersonId] = (people.body as { id: number }[]).map((p) => p.id) as [number, number];
  const device = await t.admin.post(`/api/people/${personId}/devices`, {
    identifier: `${mark}-phone-${uniq}`,
    name: 'Android',
  });
  expect(device.status, JSON.stringify(device.body)).to.equal(201);

  // Cameras go straight into the table: no device answers at 127.0.0.1:9, and these
  // tests are about who may ask, not about ONVIF.
  const sealed = t.api.services.box.seal('camera-password');
  const camera = async (n: number, by: number) =>
    (
      await t.api.services.db.query<{ id: number }>(
        `INSERT INTO cameras (town_id, name, host, port, username, password_enc, registered_by) VALUES ($1, $2, '127.0.0.1', $3, 'admin', $4, $5) RETURNING id`,
        [townId, `${mark} 摄像机${n}`, 20000 + uniq * 10 + n, sealed, by],
      )
    ).rows[0]!.id;
  const cameraId = await camera(1, accounts.installer.id);
  const otherCameraId = await camera(2, accounts.admin.id);

  const point = { lon: x0 + 0.005, lat: 30.005 };
  const reported = await accounts.gridworker.client.post('/api/incidents', {
    subcategory: 'environment.garbage',
    description: `${mark} 垃圾`,
    ...point,
  });
  expect(reported.status, JSON.stringify(reported.body)).to.equal(201);
  const other = await accounts.dispatcher.client.post('/api/incidents', {
    subcategory: 'traffic.road_damage',
    description: `${mark} 路面`,
    lon: x0 + 0.015,
    lat: 30.005,
  });
  expect(other.status, JSON.stringify(other.body)).to.equal(201);
  const photo = async (client: HttpClient, id: number) => {
    const res = await client.request('POST', `/api/incidents/${id}/media`, jpeg, { 'content-type': 'image/jpeg' });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.id as number;
  };
  const incidentId = reported.body.incident.id as number;
  const otherIncidentId = other.body.incident.id as number;

  const draft = await t.admin.post('/api/plans', { scopeCode: code, title: `${mark} draft` });
  expect(draft.status, JSON.stringify(draft.body)).to.equal(201);
  const source = await t.admin.post('/api/live-sources', { name: `${mark} 无人机`, townCode: code });
  expect(source.status, JSON.stringify(source.body)).to.equal(201);
  const client = await t.admin.post('/api/open311/clients', { name: `${mark} 热线`, townCode: code });
  expect(client.status, JSON.stringify(client.body)).to.equal(201);
  // orgs: one department of the town, its department account a member.
  const org = await t.admin.post('/api/organisations', {
    code: `scjgs-${key}-${uniq}-${process.pid}`,
    name: `${mark} 市场监管所`,
    kind: 'department',
    areaCode: code,
    platform: 'shichang',
  });
  expect(org.status, JSON.stringify(org.body)).to.equal(201);
  const member = await t.admin.put(`/api/organisations/${org.body.id}/members`, {
    accountId: accounts.department.id,
    duty: 'intake',
  });
  expect(member.status, JSON.stringify(member.body)).to.equal(200);

  return {
    key,
    mark,
    townId,
    townCode: code,
    villageCode: village,
    gridCodes: grids,
    point,
    accounts,
    personId,
    otherPersonId,
    deviceId: device.body[0].device.id as number,
    deviceToken: device.body[0].token as string,
    cameraId,
    otherCameraId,
    incidentId,
    mediaId: await photo(accounts.gridworker.client, incidentId),
    otherIncidentId,
    otherMediaId: await photo(accounts.dispatcher.client, otherIncidentId),
    planId: draft.body.id as number,
    liveSourceId: source.body.id as number,
    open311ClientId: client.body.id as number,
    orgId: org.body.id as number,
    orgCode: org.body.code as string,
  };
}
