// Where rosters come from: the server's API (people, their phones and grids), or a
// grid FeatureCollection alone (benchmarks, demos without a seeded database).
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { FeatureCollectionLike, GridGeometry, RosterEntry } from './types.js';

const position = z.array(z.number()).min(2);
const gridGeometry = z.union([
  z.object({ type: z.literal('Polygon'), coordinates: z.array(z.array(position)) }),
  z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(z.array(position))) }),
]);
const loginAnswer = z.object({ token: z.string().min(1) });
const peopleAnswer = z.array(
  z.object({
    id: z.union([z.number(), z.string()]),
    name: z.string(),
    gridCodes: z.array(z.string()),
    // null: the account may not see phones' identifiers (only installers and admins do).
    devices: z.array(z.object({ id: z.union([z.number(), z.string()]), identifier: z.string().min(1).nullable() })),
  }),
);
const featureCollection = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(z.object({ properties: z.record(z.string(), z.unknown()).nullish(), geometry: z.unknown() })),
});

export interface ApiRosterOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:8080 */
  api: string;
  townCode: string;
  /** A bearer token, or username + password to log in with. */
  token?: string;
  username?: string;
  password?: string;
}

async function getJson(url: string, init: RequestInit): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    const cause = (err as Error).cause;
    throw new Error(
      `${init.method ?? 'GET'} ${url} failed: ${cause instanceof Error ? cause.message : (err as Error).message}`,
      { cause: err },
    );
  }
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    throw new Error(`${init.method ?? 'GET'} ${url} answered ${res.status}: ${text.slice(0, 300)}`);
  }
  return res.json();
}

export async function login(api: string, username: string, password: string): Promise<string> {
  const body = await getJson(new URL('/api/auth/login', api).toString(), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return loginAnswer.parse(body).token;
}

/** The grid polygons of a GeoJSON FeatureCollection by code (features with layer 'grid', or without a layer). */
export function gridsByCode(fc: unknown): Map<string, GridGeometry> {
  const grids = new Map<string, GridGeometry>();
  for (const f of featureCollection.parse(fc).features) {
    const layer = f.properties?.['layer'];
    const code = f.properties?.['code'];
    const geometry = gridGeometry.safeParse(f.geometry);
    if ((layer === undefined || layer === 'grid') && typeof code === 'string' && geometry.success)
      grids.set(code, geometry.data);
  }
  return grids;
}

/**
 * The roster of a town from the server: every person with a phone and a grid walks
 * in their first grid, carrying their first phone.
 */
export async function fetchRoster(opts: ApiRosterOptions): Promise<RosterEntry[]> {
  let token = opts.token;
  if (!token) {
    if (!opts.username || !opts.password) throw new Error('a token or a username and password are needed');
    token = await login(opts.api, opts.username, opts.password);
  }
  const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
  const town = encodeURIComponent(opts.townCode);
  const [people, map] = await Promise.all([
    getJson(new URL(`/api/people?town=${town}`, opts.api).toString(), { headers }),
    getJson(new URL(`/api/towns/${town}/map.geojson?crs=WGS84`, opts.api).toString(), { headers }),
  ]);
  const grids = gridsByCode(map);
  const roster: RosterEntry[] = [];
  const answer = peopleAnswer.parse(people);
  if (answer.some((p) => p.devices[0]?.identifier === null)) {
    throw new Error("this account does not see the phones' identifiers: log in as an installer or an admin");
  }
  for (const person of answer) {
    const device = person.devices[0] as { identifier: string } | undefined;
    const gridCode = person.gridCodes[0];
    const polygon = gridCode === undefined ? undefined : grids.get(gridCode);
    if (device && gridCode !== undefined && polygon)
      roster.push({ deviceId: device.identifier, personName: person.name, gridCode, polygon });
  }
  return roster;
}

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林郑毛余叶祝汪';
const GIVEN = [
  '建国',
  '秀英',
  '丽华',
  '志强',
  '美玲',
  '伟',
  '芳',
  '军',
  '敏',
  '海燕',
  '国平',
  '晓东',
  '红梅',
  '卫东',
  '春华',
  '玉兰',
  '俊杰',
  '雪琴',
];

/** A plausible Chinese name for walker i (deterministic). */
export function personName(i: number): string {
  return SURNAMES[i % SURNAMES.length]! + GIVEN[Math.floor(i / SURNAMES.length) % GIVEN.length]!;
}

/**
 * N phones spread round-robin over the grids of a FeatureCollection (no server
 * needed). Device ids are `${prefix}00001`, `${prefix}00002`, …
 */
export function rosterFromGrids(grids: unknown, count: number, prefix = 'sim-'): RosterEntry[] {
  const byCode = [...gridsByCode(grids)];
  if (byCode.length === 0) throw new Error('no grid polygons in the FeatureCollection');
  const width = Math.max(5, String(count).length);
  return Array.from({ length: count }, (_, i) => {
    const [gridCode, polygon] = byCode[i % byCode.length]!;
    return { deviceId: `${prefix}${String(i + 1).padStart(width, '0')}`, personName: personName(i), gridCode, polygon };
  });
}

/** A GeoJSON file, or undefined when it does not exist (the streets are optional). */
export async function readGeoJsonIfExists(path: string): Promise<FeatureCollectionLike | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return featureCollection.parse(JSON.parse(text)) as FeatureCollectionLike;
}
