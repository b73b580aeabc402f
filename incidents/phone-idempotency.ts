// Idempotency keys for the phone's writes. The app's offline queue sends each report,
// photo and step with an `Idempotency-Key` header and sends it again until it gets an
// answer; the first answer is kept per (device, key), and a replay gets that answer back
// (header `Idempotent-Replayed: true`) instead of reporting or acting twice.
import type { Request, Response } from 'express';
import type { Db } from '../platform/db/pool.js';
import { BadRequest, Conflict, Unprocessable } from '../platform/errors.js';

const KEY = /^[\w-]{8,100}$/;
/** A request still running after this long belongs to a process that died: it may run again. */
const STALE_MS = 60_000;
const KEEP_DAYS = 7;

export class PhoneRequests {
  constructor(private readonly db: Db) {}

  async once<T>(req: Request, res: Response, deviceId: number, run: () => Promise<T>): Promise<T> {
    const header = req.headers['idempotency-key'];
    if (header === undefined) return run();
    if (typeof header !== 'string' || !KEY.test(header))
      throw new BadRequest('Idempotency-Key: 8–100 letters, digits, _ or -', { header: 'Idempotency-Key' });
    const route = `${req.method} ${req.originalUrl.split('?')[0]}`;
    const claimed = await this.db.query(
      `INSERT INTO phone_requests (device_id, key, route) VALUES ($1, $2, $3)
       ON CONFLICT (device_id, key) DO UPDATE SET created_at = now()
         WHERE phone_requests.status IS NULL AND phone_requests.created_at < now() - make_interval(secs => $4)
           AND phone_requests.route = EXCLUDED.route
       RETURNING key`,
      [deviceId, header, route, STALE_MS / 1000],
    );
    if (claimed.rowCount === 0) {
      const { rows } = await this.db.query<{ route: string; status: number | null; answer: T }>(
        'SELECT route, status, answer FROM phone_requests WHERE device_id = $1 AND key = $2',
        [deviceId, header],
      );
      const first = rows[0];
      if (first && first.route !== route)
        throw new Unprocessable(`This Idempotency-Key was used for ${first.route}`, { header: 'Idempotency-Key' });
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
      await this.db.query('UPDATE phone_requests SET status = 1, answer = $3 WHERE device_id = $1 AND key = $2', [
        deviceId,
        header,
        JSON.stringify(answer ?? null),
      ]);
      if (Math.random() < 0.001)
        await this.db.query(`DELETE FROM phone_requests WHERE created_at < now() - interval '${KEEP_DAYS} days'`);
      return answer;
    } catch (err) {
      // Nothing was done (the service's transaction rolled back): the key may be used again.
      await this.db.query('DELETE FROM phone_requests WHERE device_id = $1 AND key = $2', [deviceId, header]);
      throw err;
    }
  }
}
