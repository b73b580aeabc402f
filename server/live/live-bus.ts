// Live updates for browsers and phones. Any process publishes an event for a town;
// every api instance receives it through Redis and hands it to its own subscribers
// (SSE connections), each of which sees only its towns and topics.
import type { Redis } from 'ioredis';
import { moduleLogger } from '../logger.js';

const log = moduleLogger('live-bus');

export interface LiveEvent {
  topic: string;
  townId: number;
  data: unknown;
  /** When set, only this person's subscriptions receive it (a gridworker's phone). */
  personId?: number;
}

export interface LiveSubscriber {
  topics: ReadonlySet<string>;
  /** null: every town. */
  townIds: ReadonlySet<number> | null;
  personId: number | null;
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
        if (e.personId !== undefined && sub.personId !== e.personId) {
          // Someone else's event: a phone never sees it; the command room sees all but personal ones.
          if (sub.personId !== null || e.topic.startsWith('personal.')) continue;
        }
        sub.send(e);
      }
    }
  }

  add(sub: LiveSubscriber): () => void {
    this.subscribers.add(sub);
    return () => this.subscribers.delete(sub);
  }

  get size(): number {
    return this.subscribers.size;
  }
}
