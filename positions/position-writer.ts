// Group commit (platform/db/group-commit.ts) of fixes: the fixes of concurrent requests
// are written together in one transaction; each request is answered only after the
// commit that holds its fixes, so a 2xx is durable. Past the bound, callers get a
// 503 with Retry-After instead of an ever-growing queue.
import { inTransaction, type Db } from '../platform/db/pool.js';
import { GroupCommit } from '../platform/db/group-commit.js';
import { moduleLogger } from '../platform/logger.js';
import { PositionsRepository, type AcceptedFix, type BatchResult, type GridEvent } from './positions.repository.js';

const log = moduleLogger('position-writer');

export interface WriterOptions {
  /** Most fixes written by one statement. */
  maxBatch: number;
  /** Most fixes waiting; beyond this, 503. */
  maxQueued: number;
  /** Statements in flight at once. */
  concurrency: number;
}

export interface WriteOutcome {
  /** Per fix: true when new, false when it was already stored (idempotent replay). */
  inserted: boolean[];
  moved: AcceptedFix[];
  events: GridEvent[];
}

export type CommittedListener = (fixes: AcceptedFix[], result: BatchResult) => void;

const day = (d: Date) => d.toISOString().slice(0, 10);

export class PositionWriter {
  private readonly commits: GroupCommit<AcceptedFix[], WriteOutcome>;
  private readonly partitionDays = new Set<string>();
  private readonly listeners: CommittedListener[] = [];
  private writtenTotal = 0;

  constructor(
    private readonly db: Db,
    options: WriterOptions = { maxBatch: 2000, maxQueued: 50_000, concurrency: 2 },
  ) {
    // Batches are counted in fixes; a failed batch fails whole (a fix that passed the
    // checks cannot break a statement alone, so retrying each would only add load).
    this.commits = new GroupCommit((requests) => this.flush(requests), {
      ...options,
      weight: (fixes) => fixes.length,
      retryEachOnFailure: false,
      overloaded: 'Too many positions are waiting to be stored; send again shortly',
    });
  }

  onCommitted(listener: CommittedListener): void {
    this.listeners.push(listener);
  }

  get stats() {
    return { ...this.commits.stats, written: this.writtenTotal };
  }

  write(fixes: AcceptedFix[]): Promise<WriteOutcome> {
    if (fixes.length === 0) return Promise.resolve({ inserted: [], moved: [], events: [] });
    return this.commits.submit(fixes);
  }

  /** One statement for the fixes of several requests; an outcome per request, in order. */
  private async flush(requests: AcceptedFix[][]): Promise<WriteOutcome[]> {
    // Within one statement a (device, time) pair may appear once; the copies are replays.
    const all: AcceptedFix[] = [];
    const slot: number[][] = [];
    const seen = new Map<string, number>();
    for (const fixes of requests) {
      slot.push(
        fixes.map((f) => {
          const key = `${f.deviceId}|${f.time.getTime()}`;
          const at = seen.get(key);
          if (at !== undefined) return -1 - at;
          seen.set(key, all.length);
          all.push(f);
          return all.length - 1;
        }),
      );
    }
    let result: BatchResult;
    try {
      await this.ensurePartitions(all);
      result = await this.insertWithRetry(all);
    } catch (err) {
      log.error({ err, fixes: all.length }, 'writing positions failed');
      throw err;
    }
    this.writtenTotal += result.inserted.length;
    const inserted = new Set(result.inserted);
    const moved = new Set(result.moved);
    const outcomes = requests.map((fixes, j) => {
      const mine = new Set(slot[j]!.filter((i) => i >= 0));
      return {
        inserted: slot[j]!.map((i) => i >= 0 && inserted.has(i)),
        moved: [...mine].filter((i) => moved.has(i)).map((i) => all[i]!),
        events: result.events.filter((e) => fixes.some((f) => f.personId === e.personId)),
      };
    });
    // Committed is committed: a listener's failure must not turn the answers into errors.
    for (const l of this.listeners) {
      try {
        l(all, result);
      } catch (err) {
        log.error({ err }, 'a listener of committed positions failed');
      }
    }
    return outcomes;
  }

  private async insertWithRetry(fixes: AcceptedFix[]): Promise<BatchResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        const confirmed = fixes.filter((f) => f.confirms);
        if (confirmed.length === 0) return await new PositionsRepository(this.db).insertBatch(fixes);
        // Rare (an outlier the next fixes confirmed): its flagged copy goes in the same transaction.
        return await inTransaction(this.db, async (client) => {
          const repo = new PositionsRepository(client);
          await repo.deleteConfirmedOutliers(confirmed);
          return repo.insertBatch(fixes);
        });
      } catch (err) {
        // Two statements touching the same people in another order can deadlock; one is retried.
        const code = (err as { code?: string }).code;
        if (attempt >= 3 || (code !== '40P01' && code !== '40001')) throw err;
      }
    }
  }

  private async ensurePartitions(fixes: AcceptedFix[]): Promise<void> {
    const missing = new Set<string>();
    for (const f of fixes) {
      const d = day(f.time);
      if (!this.partitionDays.has(d)) missing.add(d);
    }
    if (missing.size === 0) return;
    const repo = new PositionsRepository(this.db);
    for (const d of missing) {
      await repo.ensurePartitions(d, d);
      this.partitionDays.add(d);
    }
  }

  /** Partitions for yesterday to a few days ahead, and retention. */
  async maintain(retentionDays: number): Promise<string[]> {
    const repo = new PositionsRepository(this.db);
    const now = Date.now();
    await repo.ensurePartitions(day(new Date(now - 86_400_000)), day(new Date(now + 3 * 86_400_000)));
    const dropped = await repo.dropPartitionsBefore(day(new Date(now - retentionDays * 86_400_000)));
    for (const name of dropped)
      this.partitionDays.delete(`${name.slice(10, 14)}-${name.slice(14, 16)}-${name.slice(16, 18)}`);
    return dropped;
  }
}
