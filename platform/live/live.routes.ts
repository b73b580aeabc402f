import { z } from 'zod';
import { route, type AnyRoute } from '../http/route.js';
import { COMMAND_ROOM, EVERYONE, type Role } from '../auth/roles.js';
import { NotFound } from '../errors.js';
import type { LiveBus } from './live-bus.js';
import { streamEvents } from './sse.js';
import { bearerToken, type SessionResolver } from '../http/auth-middleware.js';

export const LIVE_TOPICS = ['positions', 'grid_events'] as const;

/**
 * Topics that carry what only some roles may read, as the routes that list the same
 * things (`GET /api/incidents`, `GET /api/alerts`); other topics are the map's, for everyone.
 */
export const TOPIC_ROLES: Record<string, readonly Role[]> = {
  incidents: [...COMMAND_ROOM, 'planner'],
  alerts: COMMAND_ROOM,
  handoffs: [...COMMAND_ROOM, 'department'], // orgs
};

/** Sessions behind open streams are checked this often (a revoked one ends within it plus the session cache's 10 s). */
export const SESSION_RECHECK_MS = 15_000;

export function liveRoutes(
  bus: LiveBus,
  /** A town (not a village or county) by its code: gis's areas. */
  townByCode: (code: string) => Promise<{ id: number } | null>,
  topics: readonly string[] = LIVE_TOPICS,
  sessions?: { auth: SessionResolver; recheckMs?: number },
): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/api/live',
      tag: 'live',
      access: EVERYONE,
      summary:
        "Server-Sent Events of live updates (positions, grid events, …) for the caller's towns; token may be ?access_token=",
      query: z.strictObject({
        topics: z
          .string()
          .optional()
          .describe(`comma-separated, of: ${topics.join(', ')}`),
        town: z.string().optional(),
        access_token: z.string().optional(),
      }),
      handler: async ({ auth, query, req, res }) => {
        const wanted = new Set(
          (query.topics ?? topics.join(','))
            .split(',')
            .map((t) => t.trim())
            .filter((t) => topics.includes(t) && auth.hasRole(...(TOPIC_ROLES[t] ?? EVERYONE))),
        );
        let townIds: Set<number> | null = auth.townFilter ? new Set(auth.townFilter) : null;
        if (query.town) {
          const town = await townByCode(query.town);
          if (!town) throw new NotFound(`Town ${query.town}`);
          auth.assertTown(town.id);
          townIds = new Set([town.id]);
        }
        const token = bearerToken(req);
        const me = auth.me.id;
        const recheck =
          sessions && token
            ? {
                everyMs: sessions.recheckMs ?? SESSION_RECHECK_MS,
                stillAllowed: () => sessions.auth.stillValid(token, me),
              }
            : undefined;
        streamEvents(
          bus,
          req,
          res,
          { topics: wanted, townIds, personId: null, accountId: me, owner: `account:${auth.me.id}` },
          recheck,
        );
      },
    }),
  ];
}
