// One push stream (SSE) per tab for every page: handlers per topic, and a reconnect
// of our own when the browser gives up (EventSource stops for good on an HTTP error,
// e.g. a server restart answering 503, or a token check failing). A store that fetches a
// list and then follows the stream misses what happened while the stream was not open
// (still connecting at its first fetch, or down for a while): it registers a reload
// with `onOpen`, which runs at every open of the stream after it was registered.
// `live` follows the town on screen; `everyTown` (the county's pages) follows every
// town of the account, on its own stream, only while a page needs it.
import { api, getToken } from './api';
import { exposeForTests } from './test-hooks';

/** A fix on the `positions` topic (the push stream is not in the OpenAPI document). */
export interface LivePosition {
  personId: number;
  lon: number;
  lat: number;
  time: string;
  gridCode: string | null;
  speed: number | null;
  battery: number | null;
}

export type LiveState = 'connecting' | 'open' | 'reconnecting' | 'closed';
type Handler = (data: unknown) => void;

const TOPICS = [
  'positions',
  'grid_events',
  'grids',
  'cameras',
  'alerts',
  'incidents',
  'walls',
  'handoffs',
  'notifications',
];

class LiveStream {
  constructor(private readonly topics: readonly string[]) {}
  private source: EventSource | null = null;
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly stateListeners = new Set<(s: LiveState, reconnected: boolean) => void>();
  private readonly reloads = new Set<() => void>();
  private retryMs = 1000;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private openedBefore = false;
  /** The town on screen (its code): the server sends only its events. */
  private town: string | null = null;
  state: LiveState = 'closed';
  /** Events received since the page loaded (the browser tests read it). */
  received = 0;

  start(): void {
    this.stop();
    this.connect();
  }

  /** Limits the stream to one town; reconnects when it changes while running. */
  setTown(code: string | null): void {
    if (code === this.town) return;
    this.town = code;
    if (this.source || this.retryTimer) this.start();
  }

  stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.source?.close();
    this.source = null;
    this.openedBefore = false;
    this.setState('closed', false);
  }

  on(topic: string, handler: Handler): () => void {
    let set = this.handlers.get(topic);
    if (!set) {
      // No listener on the source here: connect() listens on every topic it asks the
      // server for (a second listener delivered each event twice).
      set = new Set();
      this.handlers.set(topic, set);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  /**
   * `reload` runs at every open of the stream from now on: the first open when the
   * stream was still connecting (the store's fetch may have come before it), and every
   * reconnect or change of town. Register it, with the topic's handler, before the
   * store's first fetch; events from the open on reach the handler.
   */
  onOpen(reload: () => void): () => void {
    this.reloads.add(reload);
    return () => this.reloads.delete(reload);
  }

  onState(listener: (s: LiveState, reconnected: boolean) => void): () => void {
    this.stateListeners.add(listener);
    listener(this.state, false);
    return () => this.stateListeners.delete(listener);
  }

  private connect(): void {
    const token = getToken();
    if (!token) return;
    this.setState(this.openedBefore ? 'reconnecting' : 'connecting', false);
    const town = this.town ? `&town=${encodeURIComponent(this.town)}` : '';
    const url = `/api/live?topics=${this.topics.join(',')}${town}&access_token=${encodeURIComponent(token)}`;
    const source = new EventSource(url);
    this.source = source;
    for (const topic of new Set([...this.topics, ...this.handlers.keys()])) {
      source.addEventListener(topic, (e) => this.dispatch(topic, e as MessageEvent<string>));
    }
    // The server ended the stream because the session was ended (logged out everywhere,
    // account disabled, password changed elsewhere): asking who we are shows the login.
    source.addEventListener('revoked', () => {
      source.close();
      this.setState('reconnecting', false);
      void api.get('/api/auth/me').then(
        () => {
          if (this.source === source) this.connect(); // not if stopped meanwhile
        },
        () => undefined,
      );
    });
    source.onopen = () => {
      const reconnected = this.openedBefore;
      this.openedBefore = true;
      this.retryMs = 1000;
      this.setState('open', reconnected);
      for (const reload of this.reloads) reload();
    };
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        // The browser will not try again: we do, with a growing pause.
        source.close();
        this.setState('reconnecting', false);
        this.retryTimer = setTimeout(() => this.connect(), this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, 15_000);
      } else {
        this.setState('reconnecting', false);
      }
    };
  }

  private dispatch(topic: string, e: MessageEvent<string>): void {
    this.received++;
    let data: unknown;
    try {
      data = JSON.parse(e.data);
    } catch {
      return;
    }
    for (const h of this.handlers.get(topic) ?? []) h(data);
  }

  private setState(state: LiveState, reconnected: boolean): void {
    this.state = state;
    for (const l of this.stateListeners) l(state, reconnected);
  }
}

export const live = new LiveStream(TOPICS);

/**
 * Cases and incidents of every town of the account (a county's staff), for the pages
 * that show them all at once: each page `need()`s it while shown, and it closes when
 * no page needs it any more.
 */
class EveryTownStream extends LiveStream {
  private needs = 0;
  /** Bumped at reset: a release from before it counts for nothing. */
  private generation = 0;

  need(): () => void {
    this.needs++;
    if (this.state === 'closed') this.start();
    const generation = this.generation;
    let released = false;
    return () => {
      if (released || generation !== this.generation) return;
      released = true;
      if (--this.needs === 0) this.stop();
    };
  }

  /** Logged out: closed, whatever pages still hold it. */
  reset(): void {
    this.generation++;
    this.needs = 0;
    this.stop();
  }
}

export const everyTown = new EveryTownStream(['handoffs', 'incidents']);
exposeForTests({ everyTown });
