// Group commit: items from concurrent requests wait while the statements in flight run,
// then go together into one statement (one round trip, one commit). Each caller is
// answered after the commit that holds its item, so a 2xx is durable. A batch that fails
// is run again item by item, so one bad item fails alone. Past the bound, callers get a
// 503 with Retry-After instead of an ever-growing queue.
import { ServiceUnavailable } from '../errors.js';

export interface GroupCommitOptions {
  /** Most items written by one statement. */
  maxBatch: number;
  /** Most items waiting; beyond this, 503. */
  maxQueued: number;
  /** Statements in flight at once. */
  concurrency: number;
  /** What a refused caller is told. */
  overloaded: string;
}

interface Waiting<T, R> {
  item: T;
  resolve(result: R): void;
  reject(err: unknown): void;
}

export class GroupCommit<T, R> {
  private queue: Waiting<T, R>[] = [];
  private inFlight = 0;

  /** `write` answers one result per item, in order, after its transaction committed. */
  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly options: GroupCommitOptions,
  ) {}

  get stats() {
    return { queued: this.queue.length, inFlight: this.inFlight };
  }

  submit(item: T): Promise<R> {
    if (this.queue.length >= this.options.maxQueued) return Promise.reject(new ServiceUnavailable(this.options.overloaded, 1));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.concurrency && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
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
      if (batch.length === 1) return batch[0]!.reject(err);
      await Promise.all(batch.map((w) => this.write([w.item]).then((r) => w.resolve(r[0]!), w.reject)));
    }
  }
}
