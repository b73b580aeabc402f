// Gridworkers moving live: the on-duty list once, then the `positions` push topic.
// Updates are merged into a Map and flushed to the GeoJSON source (setData in place)
// at most every 2 s: phones report every 5 s, and each flush redraws the whole map, so
// batching keeps 2,000 moving phones cheap while no dot lags its fix by more than 2 s.
import type { GeoJSONSource, Map as MlMap } from 'maplibre-gl';
import { api } from '../api';
import { live } from '../live';
import type { LivePosition } from '../live';

export interface Worker {
  personId: number;
  name: string;
  roles: string[];
  lon: number;
  lat: number;
  fixMs: number;
  gridCode: string | null;
  battery: number | null;
  speedMps: number | null;
}

const FLUSH_MS = 2000;
const AGE_REFRESH_MS = 10_000;

export class WorkersLayer {
  readonly workers = new Map<number, Worker>();
  private dirty = false;
  private lastFlush = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly unsubscribe: Array<() => void> = [];
  /** setData calls so far (the benchmark reads it). */
  flushes = 0;

  constructor(
    private readonly map: MlMap,
    private readonly townCode: string,
  ) {}

  async start(): Promise<void> {
    this.map.addSource('workers', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    this.map.addLayer({
      id: 'workers-dot',
      type: 'circle',
      source: 'workers',
      paint: {
        'circle-color': ['match', ['get', 'age'], 'fresh', '#29b6f6', 'recent', '#ffca28', '#78909c'],
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 2.5, 16, 6],
        'circle-stroke-color': '#0b1622',
        'circle-stroke-width': 1,
      },
    });
    this.unsubscribe.push(live.on('positions', (data) => this.apply((data as { items: LivePosition[] }).items)));
    this.unsubscribe.push(live.onOpen(() => void this.reload().catch(() => undefined)));
    this.timer = setInterval(() => this.tick(), 250);
    await this.reload();
  }

  /** The on-duty list (again at every open of the stream: moves it did not carry are in it). */
  async reload(): Promise<void> {
    const res = await api.get('/api/towns/{code}/on-duty', { path: { code: this.townCode } });
    const now = Date.now();
    const before = new Map(this.workers);
    this.workers.clear();
    for (const p of res.people) {
      if (p.lon === null || p.lat === null) continue;
      const fixMs = p.ageSeconds === null ? now : now - p.ageSeconds * 1000;
      // A fix the stream brought while the list was on its way is newer than the list's.
      const live = before.get(p.personId);
      if (live && live.fixMs > fixMs) {
        this.workers.set(p.personId, { ...live, name: p.name, roles: p.roles });
        continue;
      }
      this.workers.set(p.personId, {
        personId: p.personId,
        name: p.name,
        roles: p.roles,
        lon: p.lon,
        lat: p.lat,
        fixMs,
        gridCode: p.gridCode,
        battery: p.battery,
        speedMps: p.speedMps,
      });
    }
    this.dirty = true;
    this.flush();
  }

  apply(items: LivePosition[]): void {
    for (const it of items) {
      const w = this.workers.get(it.personId);
      const fixMs = Date.parse(it.time);
      if (w) {
        if (fixMs < w.fixMs) continue;
        w.lon = it.lon;
        w.lat = it.lat;
        w.fixMs = fixMs;
        w.gridCode = it.gridCode;
        w.battery = it.battery ?? w.battery;
        w.speedMps = it.speed;
      } else {
        // Someone came on duty: shown now, named after the next on-duty reload.
        this.workers.set(it.personId, {
          personId: it.personId,
          name: `#${it.personId}`,
          roles: [],
          lon: it.lon,
          lat: it.lat,
          fixMs,
          gridCode: it.gridCode,
          battery: it.battery,
          speedMps: it.speed,
        });
      }
    }
    this.dirty = true;
  }

  private tick(): void {
    const now = performance.now();
    if ((this.dirty && now - this.lastFlush >= FLUSH_MS) || now - this.lastFlush >= AGE_REFRESH_MS) this.flush();
  }

  private flush(): void {
    const source = this.map.getSource('workers') as GeoJSONSource | undefined;
    if (!source) return;
    const now = Date.now();
    const features = [];
    for (const w of this.workers.values()) {
      const age = (now - w.fixMs) / 1000;
      features.push({
        type: 'Feature' as const,
        id: w.personId,
        properties: { id: w.personId, age: age < 60 ? 'fresh' : age < 300 ? 'recent' : 'stale' },
        geometry: { type: 'Point' as const, coordinates: [w.lon, w.lat] },
      });
    }
    source.setData({ type: 'FeatureCollection', features });
    this.dirty = false;
    this.lastFlush = performance.now();
    this.flushes++;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    for (const u of this.unsubscribe) u();
  }
}
