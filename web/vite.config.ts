// Builds the command-room app into web/dist (`vite build web`), served by the api
// process as static files. No CDN: everything the browser needs is in the bundle.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2500,
  },
  server: {
    // `npx vite web` while developing: the api runs on :8080.
    proxy: { '/api': 'http://localhost:8080', '/tiles': 'http://localhost:8080' },
  },
});
