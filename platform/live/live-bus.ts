// Live updates for browsers and phones. Any process publishes an event for a town;
// every api instance receives it through Redis and hands it to its own subscribers
// (SSE connections), each of which sees only its towns and topics.
import type { Redis } from 'ioredis';
import { moduleLogger } from '../logger.js';
import { AppError } from '../errors.js';

const log = moduleLogger('live-bus');

export interface LiveEvent {
  topic: string;
  townId: number;
  data: unknown;
  /** When set, only this person's subscriptions receive it (a gridworker's phone). */
  personId?: number;
  /** When set, only this account's streams receive it (a message to one person at the web app). */
  accountId?: number;
}

export interface LiveSubscriber {
  topics: ReadonlySet<string>;
  /** null: every town. */
  townIds: ReadonlySet<number> | null;
  personId: number | null;
  /** The account whose stream this is (web app); phones have none. */
  accountId?: number | null;
  /** Whose stream this is ("account:7", "phone:12"), for the per-owner cap. */
  owner?: string;
  send(event: LiveEvent): void;
}

export class LiveBus {
  private readonly subscribers = new Set<LiveSubscriber>();
  private readonly channel: string;

  constructor(
    private readonly publisher: Redis,
    prefix: string,
  ) {
    this.channel = `${prefix}:live`;
  }

  async publish(events: LiveEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.publisher.publish(this.channel, JSON.stringify(events));
  }

  /** Starts relaying what any instance publishes to this instance's subscribers. */
  async listen(subscriber: Redis): Promise<void> {
    await subscriber.subscribe(this.channel);
    subscriber.on('message', (channel: string, message: string) => {
      // Nobody here is listening: skip the parsing (the ingest publishes thousands a second).
      if (channel !== this.channel || this.subscribers.size === 0) return;
      try {
        this.deliver(JSON.parse(message) as LiveEvent[]);
      } catch (err) {
        log.warn({ err }, 'unreadable live message');
      }
    });
  }

  deliver(events: LiveEvent[]): void {
    for (const sub of this.subscribers) {
      for (const e of events) {
        if (!sub.topics.has(e.topic)) continue;
        if (sub.townIds && !sub.townIds.has(e.townId)) continue;
        if (e.accountId !== undefined && sub.accountId !== e.accountId) continue;
        if (e.personId !== undefined && sub.personId !== e.personId) {
          // Someone else's event: a phone never sees it; the command room sees all but personal ones.
          if (sub.personId !== null || e.topic.startsWith('personal.')) continue;
        }
        sub.send(e);
      }
    }
  }

  /** Most streams one owner keeps open on this instance (SSE_PER_ACCOUNT). */
  maxPerOwner = Infinity;
  private readonly perOwner = new Map<string, number>();

  /** Adds a subscriber; a 429 when its owner already has maxPerOwner streams here. */
  add(sub: LiveSubscriber): () => void {
    const owner = sub.owner;
    if (owner !== undefined) {
      const open = this.perOwner.get(owner) ?? 0;
      if (open >= this.maxPerOwner) {
        throw new AppError(
          429,
          'too_many_streams',
          `${open} live streams are already open for this account, its limit; close one (another tab, another device) first`,
          { limit: this.maxPerOwner },
        );
      }
      this.perOwner.set(owner, open + 1);
    }
    this.subscribers.add(sub);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      this.subscribers.delete(sub);
      if (owner !== undefined) {
        const left = (this.perOwner.get(owner) ?? 1) - 1;
        if (left <= 0) this.perOwner.delete(owner);
        else this.perOwner.set(owner, left);
      }
    };
  }

  get size(): number {
    return this.subscribers.size;
  }
}
