// Pull-point subscriptions (ONVIF Core, "Real-time Pull-Point Notification
// Interface"). Each subscription has its own queue; PullMessages long-polls it.
// A subscription dies at its termination time unless a PullMessages or Renew
// arrives before — like real devices, which also cap how many may exist.
import type { EventMessage } from './event-messages.js';

export interface Subscription {
  readonly id: string;
  /** Camera-clock ms at which it is removed. */
  terminationMs: number;
  /** How much each PullMessages extends the termination time by. */
  readonly keepAliveMs: number;
  readonly accepts: (topic: string) => boolean;
  readonly queue: EventMessage[];
  /** Wakes the pending PullMessages, if any. */
  wake?: () => void;
}

export class SubscriptionLimitError extends Error {}

export interface BrokerOptions {
  maxSubscriptions: number;
  /** Older messages are dropped when a slow client lets the queue grow. */
  maxQueue: number;
}

export class EventBroker {
  private readonly subscriptions = new Map<string, Subscription>();
  private nextId = 1;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    /** The camera's clock, in ms. */
    private readonly now: () => number,
    private readonly options: BrokerOptions = { maxSubscriptions: 10, maxQueue: 200 },
  ) {
    // Frees expired subscriptions even if nobody touches them again.
    this.sweeper = setInterval(() => this.sweep(), 1000);
    this.sweeper.unref();
  }

  create(accepts: (topic: string) => boolean, terminationMs: number, initial: EventMessage[]): Subscription {
    this.sweep();
    if (this.subscriptions.size >= this.options.maxSubscriptions) {
      throw new SubscriptionLimitError(`at most ${this.options.maxSubscriptions} pull points`);
    }
    const id = String(this.nextId++);
    const sub: Subscription = {
      id,
      terminationMs,
      keepAliveMs: Math.max(1000, terminationMs - this.now()),
      accepts,
      queue: initial.filter((m) => accepts(m.topic)),
    };
    this.subscriptions.set(id, sub);
    return sub;
  }

  get(id: string): Subscription | undefined {
    this.sweep();
    return this.subscriptions.get(id);
  }

  count(): number {
    this.sweep();
    return this.subscriptions.size;
  }

  publish(message: EventMessage): void {
    this.sweep();
    for (const sub of this.subscriptions.values()) {
      if (!sub.accepts(message.topic)) continue;
      sub.queue.push(message);
      if (sub.queue.length > this.options.maxQueue) sub.queue.shift();
      sub.wake?.();
    }
  }

  /**
   * Waits up to timeoutMs for messages, returns at most `limit` of them.
   * Resolves early (with whatever is queued) if the client goes away.
   */
  async pull(sub: Subscription, timeoutMs: number, limit: number, signal: AbortSignal): Promise<EventMessage[]> {
    // Only one pull waits per subscription: a newer one releases the older (empty-handed).
    sub.wake?.();
    if (sub.queue.length === 0 && timeoutMs > 0 && !signal.aborted) {
      // A pending pull keeps the subscription alive however long it waits.
      sub.terminationMs = Math.max(sub.terminationMs, this.now() + timeoutMs + sub.keepAliveMs);
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          sub.wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        signal.addEventListener('abort', done);
        sub.wake = done;
      });
    }
    sub.terminationMs = Math.max(sub.terminationMs, this.now() + sub.keepAliveMs);
    return sub.queue.splice(0, Math.max(1, limit));
  }

  renew(sub: Subscription, terminationMs: number): void {
    sub.terminationMs = terminationMs;
  }

  remove(id: string): boolean {
    const sub = this.subscriptions.get(id);
    sub?.wake?.();
    return this.subscriptions.delete(id);
  }

  /** A reboot loses every subscription. */
  clear(): void {
    for (const id of [...this.subscriptions.keys()]) this.remove(id);
  }

  close(): void {
    this.clear();
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const t = this.now();
    for (const [id, sub] of this.subscriptions) {
      if (sub.terminationMs <= t && !sub.wake) this.subscriptions.delete(id);
    }
  }
}
