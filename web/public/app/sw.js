/* global self, caches, fetch, URL, location */
// 平安通's service worker: keeps the app's shell (its page, scripts, styles, icons) so it
// opens without signal. The API is never cached: writes go through the app's own
// IndexedDB outbox, reads fall back to what the app stored.
const CACHE = 'wg-phone-v1';
const SHELL = ['/app/', '/app/manifest.webmanifest', '/app/icon-192.png'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(SHELL);
      // The built page names its hashed scripts and styles: keep those too.
      const html = await (await cache.match('/app/')).text();
      const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
      await cache.addAll(assets);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
  if (url.pathname.startsWith('/assets/')) {
    // Hashed names never change: the cache first.
    event.respondWith(
      caches.match(event.request).then(
        (hit) =>
          hit ||
          fetch(event.request).then((res) => {
            const copy = res.clone();
            if (res.ok) void caches.open(CACHE).then((c) => c.put(event.request, copy));
            return res;
          }),
      ),
    );
  } else if (event.request.mode === 'navigate' && url.pathname.startsWith('/app')) {
    // The page: the network first (a new version shows at once), the cache without signal.
    event.respondWith(
      fetch(event.request)
        .then((res) => {
          const copy = res.clone();
          if (res.ok) void caches.open(CACHE).then((c) => c.put('/app/', copy));
          return res;
        })
        .catch(() => caches.match('/app/')),
    );
  } else if (url.pathname.startsWith('/app/')) {
    event.respondWith(caches.match(event.request).then((hit) => hit || fetch(event.request)));
  }
});
