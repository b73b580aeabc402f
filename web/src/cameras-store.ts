// The cameras of the account's towns, loaded once and kept current from the push
// stream (`cameras` topic: status changes, retirements, control locks, relays).
// Listeners redraw hundreds of map features and the wall's list: they are told only
// when something they show changed.
import { api } from './api';
import { live } from './live';
import type { Camera, LockHolder } from './api/types';

type Listener = (cameras: Camera[]) => void;

class CamerasStore {
  private byId = new Map<number, Camera>();
  readonly locks = new Map<number, LockHolder | null>();
  private readonly listeners = new Set<Listener>();
  private loading: Promise<void> | null = null;
  /** The town on screen: an account with many towns sees one at a time. */
  private townId: number | null = null;

  setTown(townId: number): void {
    this.townId = townId;
  }

  load(force = false): Promise<void> {
    if (!this.loading || force) {
      const loading: Promise<void> = api.get('/api/cameras').then((list) => {
        // Overtaken by a newer load (the stream opened meanwhile): that one's list is newer.
        if (this.loading !== loading) return this.loading ?? undefined;
        this.byId = new Map(list.filter((c) => this.townId === null || c.townId === this.townId).map((c) => [c.id, c]));
        this.emit();
      });
      this.loading = loading;
      loading.catch(() => {
        if (this.loading === loading) this.loading = null;
      });
    }
    return this.loading;
  }

  all(): Camera[] {
    return [...this.byId.values()];
  }

  get(id: number): Camera | undefined {
    return this.byId.get(id);
  }

  upsert(camera: Camera): void {
    if (this.townId !== null && camera.townId !== this.townId) return;
    const before = this.byId.get(camera.id);
    this.byId.set(camera.id, camera);
    if (!before || shown(before) !== shown(camera)) this.emit();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  listenLive(): void {
    // What the stream did not carry (loaded before it opened, or while it was down): load again.
    live.onOpen(() => {
      if (this.loading) void this.load(true).catch(() => undefined);
    });
    live.on('cameras', (data) => {
      const e = data as {
        cameraId: number;
        status?: Camera['status'];
        lastError?: string | null;
        lock?: LockHolder | null;
        retired?: boolean;
      };
      const cam = this.byId.get(e.cameraId);
      // Locks and relay states change nothing drawn: no emit.
      if ('lock' in e) this.locks.set(e.cameraId, e.lock ?? null);
      if (e.retired) {
        this.locks.delete(e.cameraId);
        if (this.byId.delete(e.cameraId)) this.emit();
      } else if (cam && e.status) {
        const lastError = e.lastError ?? null;
        if (cam.status === e.status && cam.lastError === lastError) return;
        cam.status = e.status;
        cam.lastError = lastError;
        this.emit();
      } else if (!cam && e.status) {
        // A camera we have not seen (registered since the list was loaded).
        void this.load(true);
      }
    });
  }

  private emit(): void {
    const list = this.all();
    for (const l of this.listeners) l(list);
  }
}

export const cameras = new CamerasStore();

/** What the map, the wall's list and the health table show of a camera. */
function shown(c: Camera): string {
  return JSON.stringify([
    c.name,
    c.status,
    c.lastError,
    c.placement,
    c.ptz !== null,
    c.host,
    c.port,
    c.manufacturer,
    c.model,
    c.lastSeenAt,
    c.clockOffsetMs,
  ]);
}
