// The town's incidents for the dispatch page and the map: the open queue loaded once,
// then kept current from the `incidents` push topic (new reports, every state change).
import { get } from './api';
import { tr } from './i18n';
import { live } from './live';

export interface Incident {
  id: number;
  townId: number;
  gridId: number | null;
  gridCode: string | null;
  gridName: string | null;
  subcategoryCode: string;
  subcategoryName: string;
  categoryCode: string;
  platform: string;
  severity: number;
  description: string;
  address: string | null;
  lon: number;
  lat: number;
  source: string;
  state: string;
  level: string;
  assignee: { personId: number; name: string } | null;
  reportCount: number;
  reportedAt: string;
  acceptedAt: string | null;
  closedAt: string | null;
  acceptDueAt: string;
  finishDueAt: string;
  cameraId: number | null;
}

export const STATE_LABEL: Record<string, string> = {
  reported: tr('待派遣', 'reported'), dispatched: tr('已派遣', 'dispatched'), accepted: tr('已接单', 'accepted'), in_progress: tr('处置中', 'in progress'),
  handled: tr('已处置', 'handled'), verified: tr('已回访', 'verified'), closed: tr('已办结', 'closed'), escalated: tr('已上报', 'escalated'),
  returned: tr('已退回', 'returned'), merged: tr('已合并', 'merged'),
};

export const OPEN_STATES = ['reported', 'dispatched', 'accepted', 'in_progress', 'handled', 'verified', 'escalated', 'returned'];

type Listener = (list: Incident[], changed: { incident: Incident; action: string; isNew: boolean } | null) => void;

class IncidentsStore {
  private byId = new Map<number, Incident>();
  private readonly listeners = new Set<Listener>();
  private loading: Promise<void> | null = null;
  private listening = false;

  load(townCode: string): Promise<void> {
    this.loading ??= get<{ items: Incident[] }>(`/api/incidents?town=${townCode}&open=true&limit=1000`).then((res) => {
      this.byId = new Map(res.items.map((i) => [i.id, i]));
      this.emit(null);
    });
    if (!this.listening) {
      this.listening = true;
      live.on('incidents', (data) => this.apply(data as { action?: string; incident?: Incident }));
      // Missed events while away: load the queue again after a reconnect.
      live.onState((state, reconnected) => {
        if (state === 'open' && reconnected) {
          this.loading = null;
          void this.load(townCode);
        }
      });
    }
    return this.loading;
  }

  all(): Incident[] {
    return [...this.byId.values()];
  }

  get(id: number): Incident | undefined {
    return this.byId.get(id);
  }

  upsert(incident: Incident, action = 'update'): void {
    this.apply({ action, incident });
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private apply(e: { action?: string; incident?: Incident }): void {
    if (!e.incident) return;
    const isNew = !this.byId.has(e.incident.id);
    this.byId.set(e.incident.id, e.incident);
    this.emit({ incident: e.incident, action: e.action ?? 'update', isNew });
  }

  private emit(changed: Parameters<Listener>[1]): void {
    const list = this.all();
    for (const l of this.listeners) l(list, changed);
  }
}

export const incidents = new IncidentsStore();
