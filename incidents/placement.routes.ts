// 待定位 in the command room: the list of hotline calls whose address named no single
// place, and placing one on the map (after which it is routed and dispatched as usual).
import { z } from 'zod';
import { route, type AnyRoute } from '../platform/http/route.js';
import { convertPoint, CrsSchema } from '../gis/module.js';
import type { IncidentRouteDeps } from './route-deps.js';
import { IncidentParams, Lat, Lon } from './incidents.schemas.js';

const COMMAND_ROOM = ['operator', 'dispatcher'] as const;

export function placementRoutes(services: IncidentRouteDeps): AnyRoute[] {
  const { placement, incidents } = services.incidents;
  return [
    route({
      method: 'get',
      path: '/api/incidents/unlocated',
      tag: 'incidents',
      access: COMMAND_ROOM,
      query: z.strictObject({ town: z.string().max(40).optional() }),
      summary:
        '待定位: incidents whose address named no single place, oldest call first, with what the gazetteer understood (geocode: reason, suggestion, candidates)',
      handler: ({ auth, query }) => placement.list(auth, query.town),
    }),
    route({
      method: 'post',
      path: '/api/incidents/:id/place',
      tag: 'incidents',
      access: COMMAND_ROOM,
      params: IncidentParams,
      body: z.strictObject({ lon: Lon, lat: Lat, crs: CrsSchema, note: z.string().trim().max(500).optional() }),
      summary:
        'Place a 待定位 incident on the map: it takes the grid there, its deadlines start and it is dispatched as usual (409 if it is not 待定位)',
      handler: async ({ auth, params, body }) => {
        const [lon, lat] = convertPoint(body.lon, body.lat, body.crs, 'WGS84');
        return placement.place(auth, await incidents.actorOf(auth), params.id, lon, lat, body.note ?? null);
      },
    }),
  ];
}
