// The tiny town with its grids published and a few people with phones.
import { expect } from 'chai';
import type { TestApi } from './api.js';
import type { HttpClient } from './http.js';
import { ORIGIN, STEP, TOWN, WEST, EAST, tinyTownAreas, tinyTownGrids } from './tiny-town.js';

export interface Phone {
  personId: number;
  identifier: string;
  token: string;
}

export interface TinyTownWithPeople {
  townId: number;
  phones: Phone[];
  osmand(query: Record<string, string | number>): Promise<Response>;
}

/** Centre of grid T(row*3+col+1), plus an offset in degrees. */
export function inGrid(col: number, row: number, dx = 0, dy = 0): { lat: number; lon: number } {
  return { lon: ORIGIN.lon + (col + 0.5) * STEP + dx, lat: ORIGIN.lat + (row + 0.5) * STEP + dy };
}

export async function tinyTownWithPeople(t: TestApi, count = 3): Promise<TinyTownWithPeople> {
  await t.admin.post('/api/areas/import', tinyTownAreas());
  const plan = (await t.admin.post('/api/plans', { scopeCode: TOWN, title: 'grids' })).body.id;
  await t.admin.put(`/api/plans/${plan}/grids`, tinyTownGrids());
  expect((await t.admin.post(`/api/plans/${plan}/publish`)).status).to.equal(200);
  const townId = (await t.admin.get(`/api/areas/${TOWN}`)).body.id;
  const people = Array.from({ length: count }, (_, i) => ({
    name: `网格员${i + 1}`,
    phone: `1380000000${i}`,
    roles: ['fulltime_gridworker'],
    villageCode: i % 3 === 2 ? EAST : WEST,
    gridCodes: [`T${i + 1}`],
    dutyStatus: 'on_duty',
  }));
  const created = await t.admin.post('/api/people', people);
  expect(created.status, JSON.stringify(created.body)).to.equal(201);
  const phones: Phone[] = [];
  for (const [i, person] of (created.body as { id: number }[]).entries()) {
    const res = await t.admin.post(`/api/people/${person.id}/devices`, {
      identifier: `phone-${i + 1}`,
      name: 'Android',
    });
    expect(res.status).to.equal(201);
    phones.push({ personId: person.id, identifier: `phone-${i + 1}`, token: res.body[0].token });
  }
  const osmandUrl = t.api.osmandUrl;
  return {
    townId,
    phones,
    osmand: (query) =>
      fetch(`${osmandUrl}/?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}`),
  };
}

export async function currentOf(client: HttpClient, personId: number) {
  const res = await client.get(`/api/towns/${TOWN}/on-duty`);
  return (
    res.body.people as { personId: number; lat: number; lon: number; fixTime: string; gridCode: string | null }[]
  ).find((p) => p.personId === personId);
}
