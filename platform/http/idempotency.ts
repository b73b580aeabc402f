// Idempotent writes. A client that sends again until it gets an answer (the phone app's
// offline queue, the 12345 hotline's call-taking system) names each write with a key: the
// `Idempotency-Key` header, or a key of its own (the hotline's case number). The first
// answer is kept per (scope, key), where the scope is who sent it (a device, an Open311
// client), and a replay gets that answer back (header `Idempotent-Replayed: true`)
// instead of doing the thing twice.
import type { Request, Response } from 'express';
import type { Db } from '../db/pool.js';
import { BadRequest, Conflict, Unprocessable } from '../errors.js';

const KEY = /^[\w-]{8,100}$/;
/** A request still running after this long belongs to a process that died: it may run again. */
const STALE_MS = 60_000;
const KEEP_DAYS = 7;

/** The `Idempotency-Key` header, checked; undefined when the client sent none. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const header = req.headers['idempotency-key'];
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !KEY.test(header))
    throw new BadRequest('Idempotency-Key: 8–100 letters, digits, _ or -', { header: 'Idempotency-Key' });
  return header;
}

export interface OnceOptions {
  /** The key; default: the `Idempotency-Key` header (none sent: `run` simply runs). */
  key?: string;
  /** What the key was used for; default: method and path. One key is never used for two routes. */
  route?: string;
  /** The field the key came from, for the refusals (default: the header). */
  field?: string;
}

export class IdempotentRequests {
  constructor(private readonly db: Db) {}

  /** Runs `run` once per (scope, key) and answers every replay with its first answer. */
  async once<T>(
    req: Request,
    res: Response,
    scope: string,
    run: () => Promise<T>,
    options: OnceOptions = {},
  ): Promise<T> {
    const key = options.key ?? idempotencyKeyOf(req);
    if (key === undefined) return run();
    const route = options.route ?? `${req.method} ${req.originalUrl.split('?')[0]}`;
    const claimed = await this.db.query(
      `INSERT INTO idempotent_requests (scope, key, route) VALUES ($1, $2, $3)
       ON CONFLICT (scope, key) DO UPDATE SET created_at = now()
         WHERE idempotent_requests.status IS NULL AND idempotent_requests.created_at < now() - make_interval(secs => $4)
           AND idempotent_requests.route = EXCLUDED.route
       RETURNING key`,
      [scope, key, route, STALE_MS / 1000],
    );
    if (claimed.rowCount === 0) {
      const { rows } = await this.db.query<{ route: string; status: number | null; answer: T }>(
        'SELECT route, status, answer FROM idempotent_requests WHERE scope = $1 AND key = $2',
        [scope, key],
      );
      const first = rows[0];
      if (first && first.route !== route)
        throw new Unprocessable(
          `This ${options.field ?? 'Idempotency-Key'} was used for ${first.route}`,
          options.field ? { field: options.field } : { header: 'Idempotency-Key' },
        );
      if (!first || first.status === null) {
        res.setHeader('Retry-After', '2');
        throw new Conflict('The same request is still being handled; ask again shortly', {}, 'in_progress');
      }
      res.setHeader('Idempotent-Replayed', 'true');
      return first.answer;
    }
    try {
      const answer = await run();
      // The route's own success status (201, 200) is answered again on a replay; 1 marks it done.
      await this.db.query('UPDATE idempotent_requests SET status = 1, answer = $3 WHERE scope = $1 AND key = $2', [
        scope,
        key,
        JSON.stringify(answer ?? null),
      ]);
      if (Math.random() < 0.001)
        await this.db.query(`DELETE FROM idempotent_requests WHERE created_at < now() - interval '${KEEP_DAYS} days'`);
      return answer;
    } catch (err) {
      // Nothing was done (the service's transaction rolled back): the key may be used again.
      await this.db.query('DELETE FROM idempotent_requests WHERE scope = $1 AND key = $2', [scope, key]);
      throw err;
    }
  }
}
