// A small promise face on IndexedDB: the outbox of writes made without signal, and the
// answers of those already sent (later items refer to them: a photo to its report).
const DB_NAME = 'wg-phone';
const STORES = ['outbox', 'results'] as const;
type Store = (typeof STORES)[number];

let opening: Promise<IDBDatabase> | null = null;

function open(): Promise<IDBDatabase> {
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      for (const s of STORES)
        if (!req.result.objectStoreNames.contains(s)) req.result.createObjectStore(s, { keyPath: 'key' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return opening;
}

function done<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export async function put<T extends { key: string }>(store: Store, value: T): Promise<void> {
  const db = await open();
  await done(db.transaction(store, 'readwrite').objectStore(store).put(value));
}

export async function get<T>(store: Store, key: string): Promise<T | undefined> {
  const db = await open();
  return done(db.transaction(store).objectStore(store).get(key)) as Promise<T | undefined>;
}

export async function all<T>(store: Store): Promise<T[]> {
  const db = await open();
  return done(db.transaction(store).objectStore(store).getAll()) as Promise<T[]>;
}

export async function remove(store: Store, key: string): Promise<void> {
  const db = await open();
  await done(db.transaction(store, 'readwrite').objectStore(store).delete(key));
}

/** Moves an item from the outbox to the results in one transaction: sent once, never twice. */
export async function settle(key: string, answer: unknown): Promise<void> {
  const db = await open();
  const tx = db.transaction(['outbox', 'results'], 'readwrite');
  tx.objectStore('outbox').delete(key);
  tx.objectStore('results').put({ key, answer, at: Date.now() });
  await new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
}
