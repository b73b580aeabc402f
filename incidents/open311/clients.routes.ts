// Admins manage the keys of Open311 clients through the normal API.
import { z } from 'zod';
import { route, type AnyRoute } from '../../platform/http/route.js';
import type { IncidentRouteDeps } from '../route-deps.js';
import { ClientKeysService } from './client-keys.service.js';

export function open311ClientRoutes(services: Pick<IncidentRouteDeps, 'db'>): AnyRoute[] {
  const clients = new ClientKeysService(services.db);
  return [
    route({
      method: 'post',
      path: '/api/open311/clients',
      tag: 'open311',
      access: ['admin'],
      status: 201,
      summary:
        'Make an API key for an Open311 client (the 12345 hotline, a citizen app); the key is shown only in this answer',
      body: z.strictObject({
        name: z.string().trim().min(1).max(100),
        /** Tied to a town: it may only report inside it. */
        townCode: z.string().trim().min(1).max(20).optional(),
      }),
      handler: ({ auth, body }) => clients.create(auth, body.name, body.townCode ?? null),
    }),
    route({
      method: 'get',
      path: '/api/open311/clients',
      tag: 'open311',
      access: ['admin'],
      summary: 'The Open311 clients (never their keys)',
      handler: async ({ auth }) => ({ clients: await clients.list(auth) }),
    }),
    route({
      method: 'delete',
      path: '/api/open311/clients/:id',
      tag: 'open311',
      access: ['admin'],
      params: z.strictObject({ id: z.coerce.number().int().positive() }),
      summary: "Disable a client's key (its reports keep their author)",
      handler: ({ auth, params }) => clients.disable(auth, params.id),
    }),
  ];
}
