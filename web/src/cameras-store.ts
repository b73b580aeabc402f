// The cameras of the account's towns, loaded once and kept current from the push
// stream (`cameras` topic: status changes, control-lock changes).
import { get } from './api';
import { live } from './live';
import type { Camera, LockHolder } from './types';

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
      this.loading = get<Camera[]>('/api/cameras').then((list) => {
        this.byId = new Map(list.filter((c) => this.townId === null || c.townId === this.townId).map((c) => [c.id, c]));
        this.emit();
      });
      this.loading.catch(() => (this.loading = null));
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
    this.byId.set(camera.id, camera);
    this.emit();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  listenLive(): void {
    live.on('cameras', (data) => {
      const e = data as { cameraId: number; status?: Camera['status']; lastError?: string | null; lock?: LockHolder | null };
      const cam = this.byId.get(e.cameraId);
      if ('lock' in e) this.locks.set(e.cameraId, e.lock ?? null);
      if (cam && e.status) {
        cam.status = e.status;
        cam.lastError = e.lastError ?? null;
      }
      if (!cam && e.status) void this.load(true);
      this.emit();
    });
  }

  private emit(): void {
    const list = this.all();
    for (const l of this.listeners) l(list);
  }
}

export const cameras = new CamerasStore();
