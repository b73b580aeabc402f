// The town's incidents for the dispatch page and the map: the open queue loaded once,
// then kept current from the `incidents` push topic (new reports, every state change).
import { api } from './api';
import { tr } from './i18n';
import type { Incident, IncidentState } from './api/types';
import { live } from './live';

export type { Incident } from './api/types';

export const STATE_LABEL: Record<IncidentState, string> = {
  reported: tr('待派遣', 'reported'),
  dispatched: tr('已派遣', 'dispatched'),
  accepted: tr('已接单', 'accepted'),
  in_progress: tr('处置中', 'in progress'),
  handled: tr('已处置', 'handled'),
  verified: tr('已回访', 'verified'),
  closed: tr('已办结', 'closed'),
  escalated: tr('已上报', 'escalated'),
  returned: tr('已退回', 'returned'),
  merged: tr('已合并', 'merged'),
  unlocated: tr('待定位', 'to place'),
};

export const OPEN_STATES: IncidentState[] = [
  'reported',
  'dispatched',
  'accepted',
  'in_progress',
  'handled',
  'verified',
  'escalated',
  'returned',
];

/** `own`: this tab made the change (its answer, or the stream's echo of it within OWN_MS). */
type Listener = (
  list: Incident[],
  changed: { incident: Incident; action: string; isNew: boolean; previous: Incident | null; own: boolean } | null,
) => void;

/** How long the push stream's echo of a change this tab made counts as its own. */
const OWN_MS = 10_000;
/** Events on the `incidents` topic without an incident (yellow cards, a flagged grid). */
export interface IncidentNotice {
  action: string;
  card?: { incidentId: number; kind: string; townId: number; gridId: number | null };
  gridId?: number;
  cards?: number;
}

type LiveEvent = Partial<IncidentNotice> & { incident?: Incident };

/** Closed incidents are loaded for those *reported* in the last days (the list filters on reported_at; it has no filter on the closing time). */
export const CLOSED_DAYS = 30;
/** The most the list answers at once. */
const LIST_LIMIT = 1000;

/** How many incidents a load brought of how many the server has (`total`). */
export interface LoadCount {
  loaded: number;
  total: number;
}

class IncidentsStore {
  private byId = new Map<number, Incident>();
  private readonly listeners = new Set<Listener>();
  private readonly noticeListeners = new Set<(n: IncidentNotice) => void>();
  /** Incidents this tab is changing, until when their echo counts as its own. */
  private readonly ownUntil = new Map<number, number>();
  private loading: Promise<void> | null = null;
  /** The open queue has been loaded once: until then an incident not known is not necessarily new. */
  private loaded = false;
  private counts: { open: LoadCount | null; closed: LoadCount | null } = { open: null, closed: null };
  private listening = false;
  /** The town on screen: events of other towns are ignored (the stream is per town too). */
  private townId: number | null = null;
  /** Closed incidents wanted too (the queue's "open only" unticked). */
  private withClosed = false;
  private closedLoaded: Promise<void> | null = null;
  private townCode = '';
  /** Incidents the stream brought while the open queue was being fetched: newer than the answer may be. */
  private arrivedDuringFetch: Map<number, Incident> | null = null;

  setTown(townId: number): void {
    this.townId = townId;
  }

  load(townCode: string): Promise<void> {
    this.townCode = townCode;
    if (!this.loading) {
      const arrived = new Map<number, Incident>();
      this.arrivedDuringFetch = arrived;
      const loading: Promise<void> = this.fetch(townCode, true)
        .then(({ items, count }) => {
          // A later load (the stream opened, a reconnect) replaced this one: its answer is
          // older; whoever waits for this one waits for that one.
          if (this.loading !== loading) return this.loading ?? undefined;
          this.arrivedDuringFetch = null;
          // Keep closed ones already loaded; the open list replaces the rest, except where
          // the stream brought a newer version while the answer was on its way.
          const closed = this.withClosed ? [...this.byId.values()].filter((i) => !OPEN_STATES.includes(i.state)) : [];
          this.byId = new Map([...closed, ...items].map((i) => [i.id, i]));
          for (const [id, incident] of arrived) {
            const fetched = this.byId.get(id);
            if (!fetched || fetched.updatedAt <= incident.updatedAt) this.byId.set(id, incident);
          }
          this.counts.open = count;
          this.loaded = true;
          this.emit(null);
        })
        .catch((err: unknown) => {
          // Not kept: the next call (a page, the next live event, a reconnect) asks again.
          if (this.loading === loading) this.loading = null;
          throw err;
        });
      this.loading = loading;
    }
    if (!this.listening) {
      this.listening = true;
      live.on('incidents', (data) => this.apply(data as LiveEvent));
      // What the stream did not carry (fetched before it opened, or while it was down): load again.
      live.onOpen(() => {
        this.loading = null;
        this.closedLoaded = null;
        void this.load(this.townCode)
          .then(() => this.includeClosed(this.withClosed))
          .catch(() => undefined);
      });
    }
    return this.loading;
  }

  /** Loads the town's closed incidents reported in the last CLOSED_DAYS days too (once), or stops asking. */
  includeClosed(on: boolean): Promise<void> {
    this.withClosed = on;
    if (!on) return Promise.resolve();
    this.closedLoaded ??= this.fetch(this.townCode, false)
      .then(({ items, count }) => {
        for (const i of items) if (!this.byId.has(i.id)) this.byId.set(i.id, i);
        this.counts.closed = count;
        this.emit(null);
      })
      .catch((err: unknown) => {
        this.closedLoaded = null;
        throw err;
      });
    return this.closedLoaded;
  }

  private async fetch(townCode: string, open: boolean): Promise<{ items: Incident[]; count: LoadCount }> {
    // `since` is on the reporting time: closed ones reported earlier but closed lately are not in it.
    const since = open ? undefined : new Date(Date.now() - CLOSED_DAYS * 86_400_000).toISOString();
    const res = await api.get('/api/incidents', {
      query: { town: townCode, open: open ? 'true' : 'false', since, limit: LIST_LIMIT },
    });
    const count = { loaded: res.items.length, total: res.total };
    return { items: res.items.filter((i) => this.townId === null || i.townId === this.townId), count };
  }

  /**
   * What the last loads brought of what the server has: the list answers at most
   * LIST_LIMIT, so `loaded < total` means some are not shown. `closed` is null until
   * closed ones are asked for.
   */
  loadCounts(): { open: LoadCount | null; closed: LoadCount | null } {
    return { open: this.counts.open, closed: this.withClosed ? this.counts.closed : null };
  }

  all(): Incident[] {
    return [...this.byId.values()];
  }

  get(id: number): Incident | undefined {
    return this.byId.get(id);
  }

  /** This tab is about to change the incident (a step sent): the stream's echo is its own. */
  acting(incidentId: number): void {
    this.ownUntil.set(incidentId, Date.now() + OWN_MS);
  }

  /** The server's answer to this tab's own change. */
  upsert(incident: Incident, action = 'update'): void {
    this.acting(incident.id);
    this.apply({ action, incident });
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onNotice(listener: (n: IncidentNotice) => void): () => void {
    this.noticeListeners.add(listener);
    return () => this.noticeListeners.delete(listener);
  }

  private apply(e: LiveEvent): void {
    if (!e.incident) {
      if (e.card && this.townId !== null && e.card.townId !== this.townId) return;
      const action = e.action;
      if (action) for (const l of this.noticeListeners) l({ ...e, action });
      return;
    }
    if (this.townId !== null && e.incident.townId !== this.townId) return;
    // The queue could not be loaded (yet): the server answers again, so try again.
    if (!this.loaded && !this.loading && this.townCode) void this.load(this.townCode).catch(() => undefined);
    const previous = this.byId.get(e.incident.id) ?? null;
    this.byId.set(e.incident.id, e.incident);
    this.arrivedDuringFetch?.set(e.incident.id, e.incident);
    const own = (this.ownUntil.get(e.incident.id) ?? 0) > Date.now();
    // This tab's change arriving a second time (answer and echo), the same: nothing to tell.
    if (own && previous && JSON.stringify(previous) === JSON.stringify(e.incident)) return;
    // Before the queue is loaded an unknown incident is only new when it was just reported.
    const isNew = !previous && (this.loaded || e.action === 'reported');
    this.emit({ incident: e.incident, action: e.action ?? 'update', isNew, previous, own });
  }

  private emit(changed: Parameters<Listener>[1]): void {
    const list = this.all();
    for (const l of this.listeners) l(list, changed);
  }
}

export const incidents = new IncidentsStore();
