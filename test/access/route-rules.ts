// Who may call each route: ONE LINE PER ROUTE, keyed "METHOD /path" as declared with
// route(). The route × role × town test (route-access.test.ts) walks every declared
// route and fails for one missing here, so a new route must say who may call it.
//
//   roles  the roles let in besides admin (admins always are): a list, ALL, or PUBLIC
//   owner  roles let in only for their own thing (their person, their camera, their report)
//   town   scoped      the request names a thing of a town: an account of another town is refused (403/404)
//          list        the answer is filtered: an account of another town sees nothing of this town
//          global      not tied to a town (the map's tiles, the taxonomy, one's own account)
//          every-town  changes what every town shares: only an admin of every town
//   req    the request, built from the fixture of the town it names (path ids are filled in
//          by name when not given). For a write in a scoped route, give a body that would
//          succeed: the other town's caller must be refused before anything is written.
import type { Role } from '../../platform/auth/roles.js';
import type { TownFixture } from '../helpers/two-towns.js';
import { square } from '../helpers/tiny-town.js';

export interface Req {
  path?: string;
  query?: Record<string, string>;
  body?: unknown;
  contentType?: string;
}

export interface RouteRule {
  /** 'device': a phone's device token, never a session (every account is refused like anybody). */
  roles: readonly Role[] | 'all' | 'public' | 'device';
  owner?: readonly Role[];
  town: 'scoped' | 'list' | 'global' | 'every-town';
  req?: (f: TownFixture) => Req;
}

const ALL = 'all';
const PUBLIC = 'public';
const DEVICE = 'device';
const CR = ['operator', 'dispatcher'] as const;
const NONE = [] as const;
const day = new Date().toISOString().slice(0, 10);
const range = { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() };
const gridFeature = (f: TownFixture, code: string) => ({
  type: 'Feature',
  properties: { code, name: `${f.mark} 新网格`, kind: 'residential', village_code: f.villageCode },
  geometry: square(f.point.lon - 0.005, 30, 0.01, 0.01),
});

export const ROUTE_RULES: Record<string, RouteRule> = {
  'POST /api/auth/login': { roles: PUBLIC, town: 'global' },
  'POST /api/auth/logout': { roles: ALL, town: 'global' },
  'GET /api/auth/me': { roles: ALL, town: 'global' },
  'GET /api/accounts': { roles: NONE, town: 'list' },
  'PATCH /api/accounts/:id': { roles: NONE, town: 'scoped', req: () => ({ body: { roles: ['operator'] } }) },
  'PUT /api/accounts/:id/password': {
    roles: NONE,
    town: 'scoped',
    req: () => ({ body: { password: 'another-long-password' } }),
  },
  'POST /api/auth/password': { roles: ALL, town: 'global' },
  'POST /api/auth/logout-everywhere': { roles: ALL, town: 'global' },
  'GET /api/security-log': { roles: NONE, town: 'list' },
  'GET /livez': { roles: PUBLIC, town: 'global' },
  'GET /readyz': { roles: PUBLIC, town: 'global' },
  'POST /api/accounts': {
    roles: NONE,
    town: 'scoped',
    req: (f) => ({
      body: {
        username: `new-${f.key}-${Date.now()}`,
        displayName: 'x',
        password: 'long-enough-pw',
        roles: ['operator'],
        townIds: [f.townId],
      },
    }),
  },

  'GET /api/areas': { roles: ALL, town: 'list' },
  'GET /api/areas/:code': { roles: ALL, town: 'scoped' },
  'POST /api/areas/import': {
    roles: NONE,
    town: 'scoped',
    req: (f) => ({
      body: {
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: {
              code: f.villageCode,
              name: `${f.mark}村`,
              level: 'village',
              parent_code: f.townCode,
              synthetic: true,
            },
            geometry: square(f.point.lon - 0.005, 30, 0.02, 0.01),
          },
        ],
      },
    }),
  },
  'GET /api/towns/:code/map.geojson': { roles: ALL, town: 'scoped' },
  'GET /api/grids/at': {
    roles: ALL,
    town: 'global',
    req: (f) => ({ query: { lon: String(f.point.lon), lat: String(f.point.lat) } }),
  },
  'POST /api/grids/lookup': { roles: ALL, town: 'global', req: (f) => ({ body: { points: [f.point] } }) },
  'GET /tiles/grids/:z/:x/:y.mvt': { roles: ALL, town: 'global', req: () => ({ path: '/tiles/grids/0/0/0.mvt' }) },

  'GET /api/map-files/crs': { roles: ALL, town: 'global' },
  'POST /api/plans/:id/map-file/preview': {
    roles: ['planner'],
    town: 'scoped',
    req: (f) => ({
      body: Buffer.from(JSON.stringify({ type: 'FeatureCollection', features: [gridFeature(f, 'F1')] })),
      contentType: 'application/geo+json',
    }),
  },
  'POST /api/plans/:id/map-file': {
    roles: ['planner'],
    town: 'scoped',
    req: (f) => ({
      body: Buffer.from(JSON.stringify({ type: 'FeatureCollection', features: [gridFeature(f, 'F2')] })),
      contentType: 'application/geo+json',
    }),
  },
  'GET /api/plans/:id/export': { roles: ['planner'], town: 'scoped', req: () => ({ query: { format: 'kml' } }) },
  'GET /api/towns/:code/grids/export': { roles: ALL, town: 'scoped', req: () => ({ query: { format: 'kml' } }) },
  'POST /api/gazetteer/towns/:code/landmarks': {
    roles: NONE,
    town: 'scoped',
    req: (f) => ({
      path: `/api/gazetteer/towns/${f.townCode}/landmarks?mode=append`,
      body: Buffer.from(`name,kind,lon,lat\n${f.mark}小学,school,${f.point.lon},${f.point.lat}\n`),
      contentType: 'text/csv',
    }),
  },
  'GET /api/gazetteer/towns/:code/landmarks': { roles: ALL, town: 'scoped' },
  'GET /api/gazetteer/locate': { roles: ALL, town: 'global', req: () => ({ query: { address: '航埠中学门口' } }) },
  'GET /api/plans': { roles: ['planner'], town: 'list' },
  'POST /api/plans': {
    roles: ['planner'],
    town: 'scoped',
    req: (f) => ({ body: { scopeCode: f.townCode, title: 'x' } }),
  },
  'GET /api/plans/:id': { roles: ['planner'], town: 'scoped' },
  'DELETE /api/plans/:id': { roles: ['planner'], town: 'scoped' },
  'GET /api/plans/:id/grids': { roles: ['planner'], town: 'scoped' },
  'PUT /api/plans/:id/grids': {
    roles: ['planner'],
    town: 'scoped',
    req: (f) => ({ body: { type: 'FeatureCollection', features: [gridFeature(f, 'Z1')] } }),
  },
  'POST /api/plans/:id/grids': { roles: ['planner'], town: 'scoped', req: (f) => ({ body: gridFeature(f, 'Z2') }) },
  'PATCH /api/plans/:id/grids/:code': { roles: ['planner'], town: 'scoped', req: () => ({ body: { name: '改名' } }) },
  'DELETE /api/plans/:id/grids/:code': { roles: ['planner'], town: 'scoped' },
  'POST /api/plans/:id/grids/:code/split': {
    roles: ['planner'],
    town: 'scoped',
    req: (f) => ({
      body: {
        line: {
          type: 'LineString',
          coordinates: [
            [f.point.lon, 29.99],
            [f.point.lon, 30.02],
          ],
        },
        parts: [
          { code: 'S1', name: 'a' },
          { code: 'S2', name: 'b' },
        ],
      },
    }),
  },
  'POST /api/plans/:id/merge': {
    roles: ['planner'],
    town: 'scoped',
    req: (f) => ({ body: { codes: f.gridCodes, into: { code: 'M1', name: 'm' } } }),
  },
  'GET /api/plans/:id/diff': { roles: ['planner'], town: 'scoped' },
  'POST /api/plans/:id/validate': { roles: ['planner'], town: 'scoped' },
  'POST /api/plans/:id/publish': { roles: ['planner'], town: 'scoped' },

  'GET /api/people': { roles: [...CR, 'installer'], town: 'list' },
  'POST /api/people': {
    roles: NONE,
    town: 'scoped',
    req: (f) => ({ body: { name: 'x', phone: '13900000000', roles: ['grid_head'], villageCode: f.villageCode } }),
  },
  'GET /api/people/me': { roles: ALL, town: 'global' },
  'GET /api/people/:id': { roles: [...CR, 'installer'], owner: ['gridworker'], town: 'scoped' },
  'PATCH /api/people/:id': { roles: NONE, town: 'scoped', req: () => ({ body: { name: '改名' } }) },
  'PUT /api/people/:id/duty': {
    roles: ['dispatcher'],
    owner: ['gridworker'],
    town: 'scoped',
    req: () => ({ body: { status: 'off_duty' } }),
  },
  'POST /api/people/:id/devices': { roles: ['installer'], town: 'scoped', req: () => ({ body: { name: 'x' } }) },
  'DELETE /api/devices/:id': { roles: ['installer'], town: 'scoped' },
  'GET /api/devices': { roles: ['installer'], town: 'list' },
  'POST /api/devices/:id/token': { roles: ['installer'], town: 'scoped' },
  'POST /api/phone/enrol': { roles: ['gridworker'], town: 'global', req: () => ({ body: { name: 'x' } }) },
  'GET /api/phone/me': { roles: DEVICE, town: 'global' },
  'PUT /api/phone/duty': { roles: DEVICE, town: 'global', req: () => ({ body: { status: 'on_duty' } }) },
  'GET /api/notifications': { roles: CR, town: 'list' },
  'GET /api/notification-contacts': { roles: CR, town: 'list' },
  'PUT /api/notification-contacts': {
    roles: NONE,
    town: 'scoped',
    req: (f) => ({ body: { townId: f.townId, role: 'town_leader', name: '镇长', phone: '13900000001' } }),
  },
  'GET /api/phone/notifications': { roles: DEVICE, town: 'global' },
  'GET /api/phone/incident-types': { roles: DEVICE, town: 'global' },
  'POST /api/phone/uploads': { roles: DEVICE, town: 'global' },
  'POST /api/phone/patrols': { roles: DEVICE, town: 'global' },
  'POST /api/phone/patrols/:key/stop': { roles: DEVICE, town: 'global' },
  'POST /api/phone/patrols/:key/notes': { roles: DEVICE, town: 'global' },
  'POST /api/phone/visits': { roles: DEVICE, town: 'global' },
  'GET /api/phone/fieldwork': { roles: DEVICE, town: 'global' },
  'GET /api/fieldwork': { roles: CR, town: 'list' },

  'POST /api/positions/batch': { roles: DEVICE, town: 'global' },
  'GET /api/towns/:code/on-duty': { roles: ALL, town: 'scoped' },
  'GET /api/people/:id/trace': {
    roles: ['dispatcher'],
    owner: ['gridworker'],
    town: 'scoped',
    req: () => ({ query: range }),
  },
  'GET /api/people/:id/grid-events': {
    roles: ['dispatcher'],
    owner: ['gridworker'],
    town: 'scoped',
    req: () => ({ query: range }),
  },
  'GET /api/grids/:code/coverage': { roles: [...CR, 'planner'], town: 'scoped', req: () => ({ query: { day } }) },
  'GET /api/positions/rejections': { roles: [...CR, 'installer'], town: 'list' },

  'GET /api/cameras/:id/snapshot.jpg': { roles: CR, owner: ['installer'], town: 'scoped' },
  'POST /api/live-sources': {
    roles: [...CR, 'gridworker'],
    town: 'scoped',
    req: (f) => ({ body: { name: 'x', townCode: f.townCode } }),
  },
  'GET /api/live-sources': { roles: CR, town: 'list' },
  'POST /api/live-sources/:id/live': { roles: CR, town: 'scoped' },
  'GET /api/live-sources/:id/live/:file': { roles: CR, town: 'scoped' },
  'POST /api/cameras/:id/live': {
    roles: CR,
    owner: ['installer'],
    town: 'scoped',
    req: () => ({ body: { stream: 'sub' } }),
  },
  'GET /api/cameras/:id/live': { roles: CR, owner: ['installer'], town: 'scoped' },
  'GET /api/cameras/:id/live/:stream/:file': { roles: CR, owner: ['installer'], town: 'scoped' },
  'GET /api/cameras/:id/low-latency/:stream': { roles: CR, owner: ['installer'], town: 'scoped' },
  'GET /api/alerts': { roles: CR, town: 'list' },
  'GET /api/media/:name': { roles: CR, town: 'global' },
  'GET /api/cameras': { roles: ALL, town: 'list' },
  'GET /api/cameras/discover': { roles: ['installer'], town: 'global', req: () => ({ query: { timeoutMs: '200' } }) },
  'GET /api/cameras/visible': {
    roles: ALL,
    town: 'list',
    req: (f) => ({ query: { lon: String(f.point.lon), lat: String(f.point.lat) } }),
  },
  'POST /api/cameras': {
    roles: ['installer'],
    town: 'scoped',
    req: (f) => ({
      body: { name: 'x', host: '127.0.0.1', port: 9, username: 'a', password: 'b', townCode: f.townCode },
    }),
  },
  'GET /api/cameras/:id': { roles: ALL, town: 'scoped' },
  'PATCH /api/cameras/:id': { roles: ['installer'], town: 'scoped', req: () => ({ body: { name: '改名' } }) },
  'PATCH /api/cameras/:id/credentials': {
    roles: ['installer'],
    town: 'scoped',
    req: () => ({ body: { password: 'x' } }),
  },
  'DELETE /api/cameras/:id': { roles: ['installer'], town: 'scoped' },
  'PUT /api/cameras/:id/streams': {
    roles: ['installer'],
    town: 'scoped',
    req: () => ({ body: { main: 'missing-profile', sub: null } }),
  },
  'PUT /api/cameras/:id/placement': { roles: ['installer'], town: 'scoped', req: (f) => ({ body: { ...f.point } }) },
  'GET /api/cameras/:id/placements': { roles: ALL, town: 'scoped' },
  'POST /api/cameras/:id/check': { roles: ['installer', 'operator'], town: 'scoped' },
  'POST /api/cameras/:id/ptz': { roles: [...CR, 'installer'], town: 'scoped', req: () => ({ body: { type: 'stop' } }) },
  'GET /api/cameras/:id/ptz': { roles: [...CR, 'installer'], town: 'scoped' },
  'POST /api/patrol/views': {
    roles: CR,
    town: 'scoped',
    req: (f) => ({ body: { cameraId: f.cameraId, mode: 'tile', seconds: 12 } }),
  },
  'POST /api/patrol/findings': {
    roles: CR,
    town: 'scoped',
    req: (f) => ({ body: { cameraId: f.cameraId, note: '路口积水' } }),
  },
  'GET /api/patrol/stats': { roles: CR, town: 'scoped', req: (f) => ({ query: { town: f.townCode } }) },
  'GET /api/patrol/checklist': { roles: CR, town: 'scoped', req: (f) => ({ query: { town: f.townCode } }) },
  'PUT /api/patrol/checklist': {
    roles: CR,
    town: 'scoped',
    req: (f) => ({ query: { town: f.townCode }, body: { cameraIds: [f.cameraId], shiftStarts: ['08:00', '20:00'] } }),
  },
  'GET /api/walls': { roles: CR, town: 'global' },
  'POST /api/walls': {
    roles: CR,
    town: 'global',
    req: () => ({ body: { name: `预案-${Math.random()}`, layout: '4', cameraIds: [] } }),
  },
  'PUT /api/walls/:id': {
    roles: CR,
    town: 'global',
    req: () => ({ path: '/api/walls/999999', body: { name: '预案', layout: '4', cameraIds: [] } }),
  },
  'DELETE /api/walls/:id': { roles: CR, town: 'global', req: () => ({ path: '/api/walls/999999' }) },
  'GET /api/walls/last': { roles: CR, town: 'global' },
  'PUT /api/walls/last': { roles: CR, town: 'global', req: () => ({ body: { layout: '4', cameraIds: [] } }) },
  'GET /api/cameras/:id/tours': { roles: CR, town: 'scoped' },
  'POST /api/cameras/:id/tours': {
    roles: CR,
    town: 'scoped',
    req: () => ({ body: { name: '巡航', stops: [{ presetToken: '1', dwellS: 5 }] } }),
  },
  'PUT /api/cameras/:id/tours/:tourId': {
    roles: CR,
    town: 'scoped',
    req: (f) => ({
      path: `/api/cameras/${f.cameraId}/tours/999999`,
      body: { name: '巡航', stops: [{ presetToken: '1', dwellS: 5 }] },
    }),
  },
  'POST /api/tours/:tourId/enabled': {
    roles: CR,
    town: 'scoped',
    req: () => ({ path: '/api/tours/999999/enabled', body: { enabled: true } }),
  },
  'DELETE /api/tours/:tourId': { roles: CR, town: 'scoped', req: () => ({ path: '/api/tours/999999' }) },
  'PUT /api/cameras/:id/guard': {
    roles: CR,
    town: 'scoped',
    req: () => ({ body: { idleS: 30, presetToken: '1' } }),
  },
  'DELETE /api/cameras/:id/guard': { roles: CR, town: 'scoped' },
  'POST /api/cameras/:id/ptz/aim': {
    roles: [...CR, 'installer'],
    town: 'scoped',
    req: () => ({ body: { x: 0.5, y: 0.5 } }),
  },
  'GET /api/cameras/:id/ptz/presets': { roles: [...CR, 'installer'], town: 'scoped' },
  'GET /api/cameras/:id/ptz/lock': { roles: [...CR, 'installer'], town: 'scoped' },
  'DELETE /api/cameras/:id/ptz/lock': { roles: [...CR, 'installer'], town: 'scoped' },
  'GET /api/cameras/:id/ptz/log': { roles: CR, town: 'scoped' },
  'GET /api/cameras/:id/recording-policy': { roles: CR, town: 'scoped' },
  'PUT /api/cameras/:id/recording-policy': { roles: NONE, town: 'scoped', req: () => ({ body: { mode: 'on_alarm' } }) },
  'GET /api/cameras/:id/recordings/timeline': { roles: CR, town: 'scoped', req: () => ({ query: range }) },
  'GET /api/cameras/:id/recordings/days': {
    roles: CR,
    town: 'scoped',
    req: () => ({ query: { month: day.slice(0, 7) } }),
  },
  'GET /api/cameras/:id/recordings/playlist.m3u8': { roles: CR, town: 'scoped', req: () => ({ query: range }) },
  'GET /api/cameras/:id/recordings/segments/:file': {
    roles: CR,
    town: 'scoped',
    req: (f) => ({ path: `/api/cameras/${f.cameraId}/recordings/segments/1.ts` }),
  },
  'POST /api/cameras/:id/recordings/exports': { roles: CR, town: 'scoped', req: () => ({ body: range }) },
  'GET /api/recordings/exports': { roles: CR, town: 'list' },
  'GET /api/recordings/exports/:id/file': {
    roles: CR,
    town: 'scoped',
    req: () => ({ path: '/api/recordings/exports/999999/file' }),
  },
  'GET /api/incidents/:id/evidence': { roles: CR, town: 'scoped' },
  'GET /api/cameras/:id/on-camera/recordings': { roles: CR, town: 'scoped', req: () => ({ query: range }) },
  'POST /api/cameras/:id/on-camera/replay': { roles: CR, town: 'scoped', req: () => ({ body: { at: range.from } }) },
  'GET /api/cameras/:id/on-camera/:stream/:file': {
    roles: CR,
    town: 'scoped',
    req: (f) => ({ path: `/api/cameras/${f.cameraId}/on-camera/replay-1-0000abcd/index.m3u8` }),
  },
  // The recorders' own alerts (a full disk, a clock jump): of the installation, no town's.
  'GET /api/recordings/alerts': { roles: CR, town: 'global' },

  'GET /api/incident-types': { roles: ALL, town: 'global' },
  'PATCH /api/incident-types/:code': { roles: NONE, town: 'every-town', req: () => ({ body: { severity: 2 } }) },
  'POST /api/incidents': {
    roles: [...CR, 'gridworker'],
    town: 'scoped',
    req: (f) => ({ body: { subcategory: 'dispute.neighbour', description: 'x', ...f.point } }),
  },
  'GET /api/incidents': { roles: [...CR, 'planner'], town: 'list' },
  'GET /api/incidents/unlocated': { roles: CR, town: 'list' },
  'POST /api/incidents/:id/place': { roles: CR, town: 'scoped', req: (f) => ({ body: { ...f.point } }) },
  'GET /api/incidents/:id': { roles: CR, owner: ['gridworker'], town: 'scoped' },
  'GET /api/incidents/:id/timeline': { roles: CR, owner: ['gridworker'], town: 'scoped' },
  'GET /api/incidents/:id/candidates': { roles: CR, town: 'scoped' },
  'POST /api/incidents/:id/dispatch': {
    roles: ['dispatcher'],
    town: 'scoped',
    req: (f) => ({ body: { personId: f.personId } }),
  },
  'POST /api/incidents/:id/actions': {
    roles: [...CR, 'gridworker'],
    town: 'scoped',
    req: () => ({ body: { action: 'escalate', note: 'x' } }),
  },
  'POST /api/incidents/:id/live-sources': {
    roles: CR,
    town: 'scoped',
    req: (f) => ({ body: { liveSourceId: f.liveSourceId } }),
  },
  'POST /api/incidents/:id/media': {
    roles: [...CR, 'gridworker'],
    town: 'scoped',
    req: () => ({ body: Buffer.from([0xff, 0xd8, 0xff, 0xd9]), contentType: 'image/jpeg' }),
  },
  'GET /api/incidents/:id/media/:mediaId': { roles: CR, owner: ['gridworker'], town: 'scoped' },
  'POST /api/phone/incidents': { roles: DEVICE, town: 'global' },
  'POST /api/phone/incidents/:id/media': { roles: DEVICE, town: 'global' },
  'GET /api/phone/tasks': { roles: DEVICE, town: 'global' },
  'POST /api/phone/offers/:id/accept': { roles: DEVICE, town: 'global' },
  'POST /api/phone/offers/:id/decline': { roles: DEVICE, town: 'global' },
  'POST /api/phone/incidents/:id/actions': { roles: DEVICE, town: 'global' },
  'GET /api/phone/live': { roles: DEVICE, town: 'global' },
  'GET /api/stats/incidents': { roles: CR, town: 'list' },
  'GET /api/yellow-cards': { roles: ALL, town: 'list' },
  'GET /api/grids/:code/yellow-cards': { roles: ALL, town: 'scoped' },
  'GET /api/stats/yellow-cards': { roles: ALL, town: 'list' },

  'POST /api/open311/clients': {
    roles: NONE,
    town: 'scoped',
    req: (f) => ({ body: { name: 'x', townCode: f.townCode } }),
  },
  'GET /api/open311/clients': { roles: NONE, town: 'list' },
  'DELETE /api/open311/clients/:id': { roles: NONE, town: 'scoped' },
  'GET /api/live': { roles: ALL, town: 'global' },

  // orgs: organisations and handoffs (交办)
  'GET /api/organisations': { roles: ALL, town: 'list' },
  'POST /api/organisations': {
    roles: NONE,
    town: 'scoped',
    req: (f) => ({
      body: { code: `zfzd-${f.key}-${Date.now()}`, name: '综合执法中队', kind: 'department', areaCode: f.townCode },
    }),
  },
  'GET /api/organisations/:id': { roles: ALL, town: 'scoped' },
  'PATCH /api/organisations/:id': { roles: NONE, town: 'scoped', req: () => ({ body: { phone: '0570-1234567' } }) },
  'PUT /api/organisations/:id/members': {
    roles: NONE,
    town: 'scoped',
    req: (f) => ({ body: { accountId: f.accounts.operator.id, duty: 'head' } }),
  },
  'GET /api/me/organisations': { roles: ALL, town: 'global' },
  'GET /api/incidents/:id/handoffs': { roles: [...CR, 'department'], town: 'scoped' },
  'POST /api/incidents/:id/handoffs': { roles: CR, town: 'scoped', req: (f) => ({ body: { lead: f.orgCode } }) },
  'POST /api/incidents/:id/handoffs/steps': {
    roles: [...CR, 'department'],
    town: 'scoped',
    req: () => ({ body: { action: 'accept' } }),
  },
  'POST /api/incidents/:id/handoffs/steer': {
    roles: CR,
    town: 'scoped',
    req: () => ({ body: { handoffId: 1, action: 'urge' } }),
  },
  'POST /api/incidents/:id/handoffs/photos': {
    roles: [...CR, 'department'],
    town: 'scoped',
    req: () => ({ body: Buffer.from([0xff, 0xd8, 0xff, 0xd9]), contentType: 'image/jpeg' }),
  },
  'GET /api/handoffs': { roles: [...CR, 'department'], town: 'list' },
  'POST /api/incidents/:id/reclassify': { roles: CR, town: 'scoped', req: () => ({ body: { severity: 3 } }) },
  'GET /api/incidents/:id/consultations': { roles: [...CR, 'department'], town: 'scoped' },
  'POST /api/incidents/:id/consultations': {
    roles: CR,
    town: 'scoped',
    req: (f) => ({ body: { orgs: [f.orgCode], topic: '会商' } }),
  },
  'POST /api/incidents/:id/consultations/messages': {
    roles: [...CR, 'department'],
    town: 'scoped',
    req: () => ({ body: { consultationId: 1, body: '意见' } }),
  },
  'GET /api/consultations': { roles: [...CR, 'department'], town: 'list' },
  'GET /api/stats/towns': { roles: CR, town: 'list' },
  'GET /api/me/notifications': { roles: ALL, town: 'global' },
  'POST /api/me/notifications/read': { roles: ALL, town: 'global', req: () => ({ body: { all: true } }) },
  'GET /api/stats/departments': { roles: [...CR, 'department', 'planner'], town: 'list' },
  'GET /api/org-yellow-cards': { roles: [...CR, 'department', 'planner'], town: 'list' },
  'GET /api/handoff-deadlines': { roles: ALL, town: 'global' },
  'PUT /api/handoff-deadlines/:code': {
    roles: NONE,
    town: 'every-town',
    req: () => ({ body: { acceptMinutes: 2880, finishMinutes: 10080 } }),
  },
};

/** A path's `:params` filled from a town's fixture, by the thing the path names. */
export function fillPath(path: string, f: TownFixture): string {
  const ids: [RegExp, number | string][] = [
    [/^\/api\/people\/:id/, f.personId],
    [/^\/api\/cameras\/:id/, f.cameraId],
    [/^\/api\/plans\/:id/, f.planId],
    [/^\/api\/(phone\/)?incidents\/:id/, f.incidentId],
    [/^\/api\/live-sources\/:id/, f.liveSourceId],
    [/^\/api\/devices\/:id/, f.deviceId],
    [/^\/api\/open311\/clients\/:id/, f.open311ClientId],
    [/^\/api\/accounts\/:id/, f.accounts.operator.id],
    [/^\/api\/organisations\/:id/, f.orgId], // orgs
    [/^\/api\/phone\/offers\/:id/, 999_999],
  ];
  let out = path;
  for (const [re, id] of ids) if (re.test(out)) out = out.replace(':id', String(id));
  const codes: [RegExp, string][] = [
    [/^\/api\/(areas|towns)\/:code/, f.townCode],
    [/^\/api\/(grids|plans\/\d+\/grids)\/:code/, f.gridCodes[0]!],
    [/^\/api\/incident-types\/:code/, 'environment.garbage'],
    [/^\/api\/handoff-deadlines\/:code/, 'environment.garbage'], // orgs
  ];
  for (const [re, code] of codes) if (re.test(out)) out = out.replace(':code', code);
  return out
    .replace(':mediaId', String(f.mediaId))
    .replace(':stream', 'sub')
    .replace(':file', 'index.m3u8')
    .replace(':name', `${'0'.repeat(64)}.jpg`);
}
