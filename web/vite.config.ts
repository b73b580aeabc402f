// Builds the command-room app into web/dist (`vite build web`), served by the api
// process as static files. No CDN: everything the browser needs is in the bundle.
// Two pages: the command room (index.html) and the gridworkers' phone app (app/, 平安通),
// which shares no code with the first so its bundle stays small.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2500,
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL('index.html', import.meta.url)),
        app: fileURLToPath(new URL('app/index.html', import.meta.url)),
      },
    },
  },
  server: {
    // `npx vite web` while developing: the api runs on :8080.
    proxy: { '/api': 'http://localhost:8080', '/tiles': 'http://localhost:8080' },
  },
});
