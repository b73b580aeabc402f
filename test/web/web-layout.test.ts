// The web app's folders: one per page (map/, video/, dispatch/ …, and shell/, the
// frame that loads them), and what pages share lives outside them: components/ (UI
// pieces: base map, camera player, PTZ pad, report form …), geo/ (town data, field of
// view, coordinates), api/ and the modules at the top. A page never imports another
// page's folder; the shell reaches pages only by dynamic import().
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../web/src', import.meta.url));
const SHARED = new Set(['components', 'geo', 'api']);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const folderOf = (path: string) => relative(SRC, path).split('/').slice(0, -1)[0] ?? null;

describe('web app layout: pages share through components/, never through each other', () => {
  it('no file of a page folder (or of components/, geo/, api/) imports another page folder', () => {
    const crossings: string[] = [];
    for (const file of files(SRC)) {
      const own = folderOf(file);
      // The entry (main.ts) and the top-level modules start the shell: only folders are checked.
      if (own === null) continue;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^(?:import|export)[^;]*?from '(\.[^']+)'/gms)) {
        const target = folderOf(resolve(dirname(file), m[1]!) + '.ts');
        if (target && target !== own && !SHARED.has(target)) crossings.push(`${relative(SRC, file)} → ${m[1]}`);
      }
    }
    expect(crossings).to.deep.equal([]);
  });
});
