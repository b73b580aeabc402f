// While the app is open: the phone's position from the browser, kept as the last fix for
// reports and the map, and sent in batches to /api/positions/batch while on duty.
// (In the background, Traccar Client does this: the app says how to set it up.)
import { deviceToken } from './net';

export interface Fix {
  lon: number;
  lat: number;
  accuracy: number;
  time: number;
}

let last: Fix | null = null;
let pending: (Fix & { speed?: number; heading?: number })[] = [];
let onDuty = false;
const listeners = new Set<(f: Fix) => void>();

export const lastFix = (): Fix | null => last;
export const setTracking = (on: boolean): void => {
  onDuty = on;
};
export const onFix = (l: (f: Fix) => void): void => void listeners.add(l);

export function startTracker(): void {
  if (!('geolocation' in navigator)) return;
  navigator.geolocation.watchPosition(
    (p) => {
      last = { lon: p.coords.longitude, lat: p.coords.latitude, accuracy: p.coords.accuracy, time: p.timestamp };
      listeners.forEach((l) => l(last!));
      if (onDuty && pending.length < 1000)
        pending.push({
          ...last,
          speed: p.coords.speed ?? undefined,
          heading: p.coords.heading ?? undefined,
        });
    },
    () => undefined,
    { enableHighAccuracy: true, maximumAge: 5000 },
  );
  setInterval(() => void send(), 10_000);
}

/** Sends the fixes gathered; kept for the next round when there is no signal. */
export async function send(): Promise<void> {
  const token = deviceToken();
  if (!token || pending.length === 0 || !navigator.onLine) return;
  const batch = pending;
  pending = [];
  try {
    const res = await fetch('/api/positions/batch', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ fixes: batch }),
    });
    // The batch API is idempotent on (device, time): a batch sent again is harmless.
    if (res.status >= 500 || res.status === 429) pending = [...batch, ...pending].slice(-1000);
  } catch {
    pending = [...batch, ...pending].slice(-1000);
  }
}
