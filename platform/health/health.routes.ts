// Liveness and readiness for load balancers and supervisors, in the OpenAPI document.
// (While the api starts or stops, the readiness gate answers these paths itself.)
import { z } from 'zod';
import { route, type AnyRoute } from '../http/route.js';
import type { HealthService } from './health.service.js';

export function healthRoutes(health: HealthService): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/livez',
      tag: 'health',
      access: 'public',
      summary: 'Liveness: 200 whenever the process answers (restart it if not)',
      responses: {
        200: { description: 'alive', schema: z.object({ status: z.literal('alive'), ready: z.boolean() }) },
      },
      handler: ({ res }) => {
        res.setHeader('Cache-Control', 'no-store');
        return { status: 'alive', ready: true };
      },
    }),
    route({
      method: 'get',
      path: '/readyz',
      tag: 'health',
      access: 'public',
      summary:
        'Readiness: 200 when PostgreSQL and Redis answer within a second; 503 + Retry-After (and what it waits for) otherwise',
      responses: {
        200: { description: 'ready', schema: z.object({ status: z.literal('ready') }) },
        503: {
          description: 'not ready',
          schema: z.object({ status: z.literal('unavailable'), waitingFor: z.array(z.enum(['postgres', 'redis'])) }),
        },
      },
      handler: async ({ res }) => {
        const ready = await health.ready();
        res.setHeader('Cache-Control', 'no-store');
        if (ready.ok) return { status: 'ready' };
        res.setHeader('Retry-After', '2');
        res.status(503).json({ status: 'unavailable', waitingFor: ready.waitingFor });
        return undefined;
      },
    }),
  ];
}
