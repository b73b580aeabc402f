// One phone running Traccar Client, as its Android source behaves (TrackingController,
// RequestManager, DatabaseHelper): every position is first written to a buffer (the
// app's SQLite table), and the buffer is sent oldest first, one request at a time. A
// request counts as delivered only on HTTP 200: on anything else (any 4xx or 5xx, a
// network error, a timeout) the client waits `retryMs` (30 s in the app) and sends the
// very same oldest position again, forever. So a server that refuses a well-formed
// position stops that phone for good: nothing behind it is ever delivered.
//
// The phone's clock may be off (`clockOffsetMs`, e.g. a wrong time zone): positions
// are stamped with the phone's clock, as the app does. `online = false` is a dead zone
// or airplane mode: requests fail as network errors and the buffer grows.

export interface PhonePosition {
  /** When the position was taken, by the true clock; the phone stamps it with its own. */
  time: number;
  lat: number;
  lon: number;
  /** m/s; the app sends knots. */
  speedMps?: number;
  bearing?: number;
  altitude?: number;
  accuracy?: number;
  /** Percent. */
  battery?: number;
}

export interface TraccarClientOptions {
  /** The OsmAnd receiver, e.g. http://127.0.0.1:5055/ */
  serverUrl: string;
  /** The app's "device identifier". */
  deviceId: string;
  /** Wait before resending after a failure; the app waits 30 s. */
  retryMs?: number;
  /** Real ms before a request counts as failed (the app: 15 s). */
  timeoutMs?: number;
  /**
   * 'query': the classic app (up to v8): POST with the OsmAnd parameters in the URL and
   * no body, timestamp in seconds, speed in knots. 'json': the current app (v9): a JSON
   * POST of the background-geolocation location object.
   */
  protocol?: 'query' | 'json';
}

interface Buffered {
  id: number;
  stamped: number;
  position: PhonePosition;
}

/** One send attempt: what the server answered (0 = network error). */
export interface Attempt {
  bufferId: number;
  status: number;
  at: number;
}

const KNOTS_PER_MPS = 3600 / 1852;

export class TraccarClient {
  /** The phone clock's error, ms (positive: ahead). Positions recorded from now on use it. */
  clockOffsetMs = 0;
  online = true;
  readonly attempts: Attempt[] = [];
  /** Buffer ids in the order the server answered 200. */
  readonly delivered: number[] = [];
  private readonly buffer: Buffered[] = [];
  private nextId = 1;
  private running: Promise<void> | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private readonly retryMs: number;
  private readonly timeoutMs: number;
  private readonly protocol: 'query' | 'json';

  constructor(private readonly options: TraccarClientOptions) {
    this.retryMs = options.retryMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.protocol = options.protocol ?? 'query';
  }

  /** Writes a position to the buffer, stamped by the phone's clock; returns its buffer id. */
  record(position: PhonePosition): number {
    const id = this.nextId++;
    this.buffer.push({ id, stamped: Math.round(position.time + this.clockOffsetMs), position });
    this.start();
    return id;
  }

  get pending(): number {
    return this.buffer.length;
  }

  /** Resolves once the buffer is empty (everything got a 200). */
  async drained(): Promise<void> {
    while (this.buffer.length > 0) {
      this.start();
      await this.running;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }

  private start(): void {
    if (this.running || this.stopped) return;
    this.running = this.loop().finally(() => {
      this.running = null;
    });
  }

  /** Oldest first, one at a time; the same one again after any failure. */
  private async loop(): Promise<void> {
    while (!this.stopped && this.buffer.length > 0) {
      const oldest = this.buffer[0]!;
      const status = await this.send(oldest);
      this.attempts.push({ bufferId: oldest.id, status, at: Date.now() });
      if (status === 200) {
        this.buffer.shift();
        this.delivered.push(oldest.id);
      } else {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.retryMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = null;
      }
    }
  }

  private async send(item: Buffered): Promise<number> {
    if (!this.online) return 0;
    const p = item.position;
    const url = new URL(this.options.serverUrl);
    let init: RequestInit;
    if (this.protocol === 'query') {
      const params: Record<string, string> = {
        id: this.options.deviceId,
        timestamp: String(Math.floor(item.stamped / 1000)),
        lat: String(p.lat),
        lon: String(p.lon),
        speed: String((p.speedMps ?? 0) * KNOTS_PER_MPS),
        bearing: String(p.bearing ?? 0),
        altitude: String(p.altitude ?? 0),
        accuracy: String(p.accuracy ?? 0),
        batt: String(p.battery ?? 100),
      };
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      init = { method: 'POST' };
    } else {
      init = {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          device_id: this.options.deviceId,
          location: {
            timestamp: new Date(item.stamped).toISOString(),
            coords: {
              latitude: p.lat,
              longitude: p.lon,
              speed: p.speedMps ?? -1,
              heading: p.bearing ?? -1,
              altitude: p.altitude ?? 0,
              accuracy: p.accuracy ?? 0,
            },
            battery: { level: (p.battery ?? 100) / 100, is_charging: false },
            is_moving: (p.speedMps ?? 0) > 0,
          },
        }),
      };
    }
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
      // The app reads the body to the end and looks at nothing but the status.
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  }
}
