// Group commit: items from concurrent requests wait while the statements in flight run,
// then go together into one statement (one round trip, one commit). Each caller is
// answered after the commit that holds its item, so a 2xx is durable. A batch that fails
// is run again item by item, so one bad item fails alone (unless items cannot be bad on
// their own). Past the bound, callers get a 503 with Retry-After instead of an
// ever-growing queue.
import { ServiceUnavailable } from '../errors.js';

export interface GroupCommitOptions<T> {
  /** Most items (by weight) written by one statement. */
  maxBatch: number;
  /** Most items (by weight) waiting; beyond this, 503. */
  maxQueued: number;
  /** Statements in flight at once. */
  concurrency: number;
  /** What a refused caller is told. */
  overloaded: string;
  /** How much an item counts against maxBatch and maxQueued (an item may hold many rows); 1 by default. */
  weight?: (item: T) => number;
  /** Run a failed batch again item by item (default); off where a failure is never one item's fault. */
  retryEachOnFailure?: boolean;
}

interface Waiting<T, R> {
  item: T;
  weight: number;
  resolve(result: R): void;
  reject(err: unknown): void;
}

export class GroupCommit<T, R> {
  private queue: Waiting<T, R>[] = [];
  private queued = 0;
  private inFlight = 0;

  /** `write` answers one result per item, in order, after its transaction committed. */
  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly options: GroupCommitOptions<T>,
  ) {}

  get stats() {
    return { queued: this.queued, inFlight: this.inFlight };
  }

  submit(item: T): Promise<R> {
    const weight = this.options.weight?.(item) ?? 1;
    if (this.queued + weight > this.options.maxQueued)
      return Promise.reject(new ServiceUnavailable(this.options.overloaded, 1));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, weight, resolve, reject });
      this.queued += weight;
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.concurrency && this.queue.length > 0) {
      // At least one item, then as many as fit.
      let n = 1;
      let size = this.queue[0]!.weight;
      while (n < this.queue.length && size + this.queue[n]!.weight <= this.options.maxBatch)
        size += this.queue[n++]!.weight;
      const batch = this.queue.splice(0, n);
      this.queued -= size;
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async run(batch: Waiting<T, R>[]): Promise<void> {
    try {
      const results = await this.write(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(results[i]!));
    } catch (err) {
      if (batch.length === 1 || this.options.retryEachOnFailure === false) {
        for (const w of batch) w.reject(err);
        return;
      }
      await Promise.all(batch.map((w) => this.write([w.item]).then((r) => w.resolve(r[0]!), w.reject)));
    }
  }
}
