// What the browser tests reach inside the app (window.__wg: the maps, the roster layer,
// the chime counts, the video tiles). Only the test build has it (`vite build --mode
// test`, test/browser/browser.ts): elsewhere MODE is a constant, the function is empty
// and the bundler drops every call with its arguments (test/web/production-bundle.test.ts).
declare global {
  interface Window {
    __wg?: Record<string, unknown>;
  }
}

export function exposeForTests(hooks: Record<string, unknown>): void {
  if (import.meta.env.MODE !== 'test') return;
  window.__wg = { ...window.__wg, ...hooks };
}
