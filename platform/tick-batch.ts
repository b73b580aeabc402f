// Work asked for by many callers in one turn of the event loop, done once: what is added
// before the next setImmediate goes to `flush` together and every caller waits for that
// one flush. Where each call would be its own round trip (a job added to Redis, an event
// published), a burst of requests answered by one group commit costs one round trip.
export class TickBatch<T> {
  private items: T[] = [];
  private flushed: Promise<void> | null = null;

  constructor(private readonly flush: (items: T[]) => Promise<void>) {}

  add(...items: T[]): Promise<void> {
    this.items.push(...items);
    this.flushed ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        const batch = this.items;
        this.items = [];
        this.flushed = null;
        this.flush(batch).then(resolve, reject);
      });
    });
    return this.flushed;
  }
}
