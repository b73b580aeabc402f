// The built web app for the tests: the production build (web/dist, what `npm start`
// serves) and the test build (web/dist-test, with the hooks the browser tests reach).
// Built when missing or older than the sources, so a test never runs yesterday's app.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WEB = join(ROOT, 'web');

function newest(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** `web/dist` (mode production) or `web/dist-test` (mode test), or `dir` where WEB_DIST says. */
export function ensureWebBuild(
  mode: 'production' | 'test',
  dir = join(WEB, mode === 'test' ? 'dist-test' : 'dist'),
): string {
  const index = join(dir, 'index.html');
  const sources = Math.max(
    newest(join(WEB, 'src')),
    newest(join(WEB, 'index.html')),
    newest(join(WEB, 'vite.config.ts')),
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return dir;
  execFileSync('npx', ['tsx', 'scripts/openapi-types.ts'], { cwd: ROOT, stdio: 'inherit' });
  execFileSync(
    'npx',
    ['vite', 'build', 'web', '--mode', mode, '--outDir', dir, '--emptyOutDir', '--logLevel', 'warn'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
  return dir;
}
