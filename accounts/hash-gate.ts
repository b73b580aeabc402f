// Every password check is a 32 MiB, ~100 ms scrypt on the libuv thread pool. A flood
// of logins would otherwise queue without bound, eat memory and starve the pool that
// file and DNS work share. A few run at once, a few more wait; beyond that the caller
// gets 503 with Retry-After at once instead of waiting for seconds.
import { ServiceUnavailable } from '../platform/errors.js';

export class HashGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly maxRunning = 2,
    private readonly maxWaiting = 16,
  ) {}

  /** Refuses at once when no slot is left, so a flood costs no more work than this. */
  assertRoom(): void {
    if (this.running >= this.maxRunning && this.waiting.length >= this.maxWaiting) {
      throw new ServiceUnavailable('Too many password checks at once; try again in a moment', 1);
    }
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.maxRunning) {
      this.assertRoom();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next waiter, or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  get stats(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}
