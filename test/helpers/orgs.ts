// The tiny town with its organisations: the command room, the 市场监管 platform with its
// 市场监管所, the 综合执法中队, a village, and above it the district's 社会治理中心 with a
// county department; an account working in each, with its duty there.
import { expect } from 'chai';
import type { TestApi } from './api.js';
import type { HttpClient } from './http.js';
import { incidentTown, inGrid, type IncidentTown } from './incidents.js';
import { TOWN, WEST } from './tiny-town.js';

export const DISTRICT = '990101';

export interface OrgTown extends IncidentTown {
  /** Organisation ids by code. */
  org: Record<string, number>;
  /** The command room's dispatcher (a member of T-cmd), the departments' staff, the county's. */
  room: HttpClient;
  scjgs: HttpClient;
  zfzd: HttpClient;
  county: HttpClient;
  hbj: HttpClient;
  accountIds: Record<'room' | 'scjgs' | 'zfzd' | 'county' | 'hbj', number>;
}

export const ORGS = [
  { code: 'T-cmd', name: '测试镇综合信息指挥室', kind: 'command_room', areaCode: TOWN },
  {
    code: 'T-shichang',
    name: '市场监管平台',
    kind: 'platform',
    areaCode: TOWN,
    platform: 'shichang',
    parentCode: 'T-cmd',
  },
  { code: 'T-zhifa', name: '综合执法平台', kind: 'platform', areaCode: TOWN, platform: 'zhifa', parentCode: 'T-cmd' },
  {
    code: 'T-scjgs',
    name: '测试市场监管所',
    kind: 'department',
    areaCode: TOWN,
    platform: 'shichang',
    parentCode: 'T-shichang',
    categories: ['market'],
  },
  {
    code: 'T-zfzd',
    name: '测试综合执法中队',
    kind: 'department',
    areaCode: TOWN,
    platform: 'zhifa',
    parentCode: 'T-zhifa',
    categories: ['environment', 'illegal_building'],
  },
  { code: 'T-west', name: '西村村委', kind: 'village', areaCode: WEST },
  { code: 'C-centre', name: '测试区社会治理中心', kind: 'county_centre', areaCode: DISTRICT },
  { code: 'C-hbj', name: '测试区环保局', kind: 'county_department', areaCode: DISTRICT, parentCode: 'C-centre' },
] as const;

export async function orgTown(t: TestApi, people = 1): Promise<OrgTown> {
  const town = await incidentTown(t, people);
  const org: Record<string, number> = {};
  for (const o of ORGS) {
    const res = await t.admin.post('/api/organisations', o);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    org[o.code] = res.body.id;
  }
  const member = async (client: HttpClient, code: string, duty: string) => {
    const id = (await client.get('/api/auth/me')).body.id as number;
    const res = await t.admin.put(`/api/organisations/${org[code]}/members`, { accountId: id, duty });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return id;
  };
  const room = await t.login(['dispatcher', 'operator'], [town.townId]);
  const scjgs = await t.login(['department'], [town.townId]);
  const zfzd = await t.login(['department'], [town.townId]);
  const county = await t.login(['dispatcher', 'operator'], [town.townId]);
  const hbj = await t.login(['department'], [town.townId]);
  const accountIds = {
    room: await member(room, 'T-cmd', 'intake'),
    scjgs: await member(scjgs, 'T-scjgs', 'handler'),
    zfzd: await member(zfzd, 'T-zfzd', 'head'),
    county: await member(county, 'C-centre', 'intake'),
    hbj: await member(hbj, 'C-hbj', 'handler'),
  };
  return { ...town, org, room, scjgs, zfzd, county, hbj, accountIds };
}

/**
 * A case the command room reports at a grid of the tiny town and hands to `lead` (the
 * 市场监管所 unless said). Another subcategory than a nearby open case's, or intake
 * merges the report into it.
 */
export async function handedCase(
  town: OrgTown,
  c: { subcategory: string; description: string; col: number; row?: number; lead?: string },
): Promise<{ incidentId: number; handoffId: number }> {
  const res = await town.room.post('/api/incidents', {
    subcategory: c.subcategory,
    description: c.description,
    ...inGrid(c.col, c.row ?? 1),
  });
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  const incidentId = res.body.incident.id as number;
  const handed = await town.room.post(`/api/incidents/${incidentId}/handoffs`, { lead: c.lead ?? 'T-scjgs' });
  expect(handed.status, JSON.stringify(handed.body)).to.equal(201);
  return { incidentId, handoffId: handed.body.handoffs[0].id as number };
}
