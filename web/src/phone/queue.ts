// The offline-first outbox. Every write the gridworker makes (a report, a photo, a step of
// a task, a patrol note, a visit) is first stored in IndexedDB with a key of its own, then
// sent in order while there is signal. The key goes as Idempotency-Key (and as clientKey
// where the API takes one): a send whose answer was lost is sent again and the server
// answers what it answered the first time, so nothing is done twice and nothing is lost.
// What the server refuses for good (a 4xx) stays in the queue, marked, until removed.
import * as idb from './idb';

export interface OutItem {
  key: string;
  seq: number;
  /** What the gridworker sees in the queue (上报：垃圾堆放). */
  label: string;
  method: 'POST' | 'PUT';
  /** May name an earlier item's answer: /api/phone/incidents/{@key.incident.id}/media */
  path: string;
  body?: unknown;
  blob?: Blob;
  createdAt: number;
  tries: number;
  failed?: string;
}

type Listener = () => void;
const listeners = new Set<Listener>();
let token: () => string | null = () => null;
let flushing: Promise<void> | null = null;
let seq = Date.now();

export function onQueueChange(l: Listener): void {
  listeners.add(l);
}
const changed = () => listeners.forEach((l) => l());

export function newKey(prefix: string): string {
  const rnd = crypto.getRandomValues(new Uint8Array(9));
  return `${prefix}-${Date.now().toString(36)}-${Array.from(rnd, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export async function enqueue(item: Omit<OutItem, 'seq' | 'createdAt' | 'tries'>): Promise<void> {
  await idb.put<OutItem>('outbox', { ...item, seq: ++seq, createdAt: Date.now(), tries: 0 });
  changed();
  void flush();
}

export async function items(): Promise<OutItem[]> {
  return (await idb.all<OutItem>('outbox')).sort((a, b) => a.seq - b.seq);
}

export async function drop(key: string): Promise<void> {
  await idb.remove('outbox', key);
  changed();
}

/** `{@key.a.b}` in a path or a string value → that field of the earlier item's answer. */
async function resolveRefs(value: unknown): Promise<unknown> {
  if (typeof value === 'string') {
    const refs = [...value.matchAll(/\{@([\w-]+)((?:\.\w+)*)\}/g)];
    let out = value;
    for (const [whole, key, path] of refs) {
      const result = await idb.get<{ answer: unknown }>('results', key!);
      if (!result) throw new Waiting(key!);
      let v: unknown = result.answer;
      for (const p of path!.split('.').filter(Boolean)) v = (v as Record<string, unknown>)?.[p];
      out = out.replace(whole, String(v));
    }
    return out;
  }
  if (Array.isArray(value)) return Promise.all(value.map(resolveRefs));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveRefs(v)])),
    );
  return value;
}

class Waiting extends Error {
  constructor(readonly key: string) {
    super(`waits for ${key}`);
  }
}

export function startQueue(getToken: () => string | null, appVersion: string): void {
  token = getToken;
  version = appVersion;
  addEventListener('online', () => void flush());
  setInterval(() => void flush(), 15_000);
  void flush();
}
let version = '';

/**
 * Sends what waits, in order; stops at the first thing that cannot go now (no signal).
 * Asked while a pass runs, it runs one more pass after it (the item just queued was not
 * in the running pass's list) and resolves when that is done.
 */
export function flush(): Promise<void> {
  if (flushing) {
    again ??= flushing.then(() => {
      again = null;
      return flush();
    });
    return again;
  }
  flushing = run().finally(() => (flushing = null));
  return flushing;
}
let again: Promise<void> | null = null;

async function run(): Promise<void> {
  const failedKeys = new Set<string>();
  for (const item of await items()) {
    if (item.failed) {
      failedKeys.add(item.key);
      continue;
    }
    const t = token();
    if (!t || !navigator.onLine) return;
    let path: string;
    let body: unknown;
    try {
      path = (await resolveRefs(item.path)) as string;
      body = await resolveRefs(item.body);
    } catch (err) {
      if (err instanceof Waiting && failedKeys.has(err.key)) {
        await idb.put<OutItem>('outbox', { ...item, failed: '它所依附的记录发送失败' });
        failedKeys.add(item.key);
        changed();
        continue;
      }
      return; // its report is still on the way
    }
    const headers: Record<string, string> = {
      authorization: `Bearer ${t}`,
      'idempotency-key': item.key,
      'x-app-version': version,
    };
    if (item.blob) headers['content-type'] = item.blob.type === 'video/quicktime' ? 'video/mp4' : item.blob.type;
    else if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(path, {
        method: item.method,
        headers,
        body: item.blob ?? (body === undefined ? undefined : JSON.stringify(body)),
      });
    } catch {
      return; // no signal: the next `online` or tick sends it
    }
    const answer = (await res.json().catch(() => null)) as { error?: { message?: string; code?: string } } | null;
    if (res.ok) {
      await idb.settle(item.key, answer);
      changed();
      continue;
    }
    const again =
      res.status >= 500 || res.status === 429 || res.status === 401 || answer?.error?.code === 'in_progress';
    await idb.put<OutItem>('outbox', {
      ...item,
      tries: item.tries + 1,
      failed: again ? undefined : `${res.status} ${answer?.error?.message ?? res.statusText}`,
    });
    changed();
    if (again) return;
    failedKeys.add(item.key);
  }
}
