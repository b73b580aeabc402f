// Refused and flagged fixes are counted, never silently dropped: per day, device and
// reason (a refusal, a flag, or counted only), with the last detail and an example of
// what the phone sent; summed in memory and written to PostgreSQL every few seconds
// (bounded in size whatever a flood sends).
import type { Db } from '../platform/db/pool.js';
import { moduleLogger } from '../platform/logger.js';
import type { RejectReason } from './fix.js';

const log = moduleLogger('rejections');
const FLUSH_MS = 2_000;
const MAX_KEYS = 50_000;

interface Pending {
  day: string;
  deviceRef: string;
  reason: RejectReason;
  count: number;
  lastDetail: string;
  lastAt: Date;
  lastExample: Record<string, unknown> | null;
}

export class RejectionCounter {
  private pending = new Map<string, Pending>();
  private readonly totals = new Map<RejectReason, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly db: Db) {}

  count(deviceRef: string, reason: RejectReason, detail: string, example: Record<string, unknown> | null = null): void {
    this.totals.set(reason, (this.totals.get(reason) ?? 0) + 1);
    const now = new Date();
    this.add(now.toISOString().slice(0, 10), deviceRef, reason, 1, detail, now, example);
  }

  private add(
    day: string,
    deviceRef: string,
    reason: RejectReason,
    count: number,
    detail: string,
    now: Date,
    example: Record<string, unknown> | null,
  ): void {
    // Past the bound, unknown refs fold into one row so memory stays flat under a flood.
    const ref = this.pending.size >= MAX_KEYS ? '(many)' : deviceRef.slice(0, 64) || '(none)';
    const key = `${day}|${ref}|${reason}`;
    const entry = this.pending.get(key);
    if (entry) {
      entry.count += count;
      entry.lastDetail = detail.slice(0, 300);
      entry.lastAt = now;
      entry.lastExample = example ?? entry.lastExample;
    } else {
      this.pending.set(key, {
        day,
        deviceRef: ref,
        reason,
        count,
        lastDetail: detail.slice(0, 300),
        lastAt: now,
        lastExample: example,
      });
    }
  }

  /** Totals since this process started, by reason. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.totals);
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    try {
      await this.db.query(
        `INSERT INTO fix_rejections (day, device_ref, reason, count, last_detail, last_at, last_example)
         SELECT * FROM unnest($1::date[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::timestamptz[], $7::jsonb[])
         ON CONFLICT (day, device_ref, reason) DO UPDATE SET count = fix_rejections.count + EXCLUDED.count,
           last_detail = EXCLUDED.last_detail, last_at = EXCLUDED.last_at,
           last_example = COALESCE(EXCLUDED.last_example, fix_rejections.last_example)`,
        [
          batch.map((b) => b.day),
          batch.map((b) => b.deviceRef),
          batch.map((b) => b.reason),
          batch.map((b) => b.count),
          batch.map((b) => b.lastDetail),
          batch.map((b) => b.lastAt),
          batch.map((b) => (b.lastExample ? JSON.stringify(b.lastExample) : null)),
        ],
      );
    } catch (err) {
      log.warn({ err }, 'could not write rejection counts; they are kept for the next try');
      for (const b of batch) this.add(b.day, b.deviceRef, b.reason, b.count, b.lastDetail, b.lastAt, b.lastExample);
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }
}
