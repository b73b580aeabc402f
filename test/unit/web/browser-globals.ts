// The web modules read localStorage when they load (the session token, the language).
// Node 20 has none: an in-memory one, as a fresh browser profile would have. Imported
// first by the web unit tests, so it is in place before their modules load.
if (!('localStorage' in globalThis)) {
  const items = new Map<string, string>();
  const storage: Storage = {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (k) => items.get(k) ?? null,
    key: (i) => [...items.keys()][i] ?? null,
    removeItem: (k) => void items.delete(k),
    setItem: (k, v) => void items.set(k, String(v)),
  };
  Object.defineProperty(globalThis, 'localStorage', { value: storage });
}
export {};
