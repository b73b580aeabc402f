// The test hooks (window.__wg, web/src/test-hooks.ts) are in the browser tests' build
// and nowhere in the production one that `npm start` serves.
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureWebBuild } from '../helpers/web-build.js';

function bundleText(dir: string): string {
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .map((path) =>
      statSync(path).isDirectory() ? bundleText(path) : /\.(js|html)$/.test(path) ? readFileSync(path, 'utf8') : '',
    )
    .join('\n');
}

describe('test hooks out of the production bundle', function () {
  // Builds under load take up to a minute each; npm test has built web/dist already.
  this.timeout(300_000);

  it('web/dist has no window.__wg and no exposeForTests; the test build has them', () => {
    const production = bundleText(ensureWebBuild('production'));
    const test = bundleText(ensureWebBuild('test'));
    expect(production).to.include('网格天眼');
    expect(production).not.to.include('__wg');
    expect(production).not.to.include('exposeForTests');
    // The hooks are there to be found when they are built in: the search above means something.
    expect(test).to.include('__wg');
  });
});
