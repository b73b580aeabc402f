import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { inGrid, tinyTownWithPeople, type TinyTownWithPeople } from '../helpers/roster.js';

const spawned = new Set<ChildProcess>();

/** Runs the real api process (server/main.ts) and waits for its "listening" line. */
async function spawnApi(env: Record<string, string>): Promise<{ child: ChildProcess; osmandUrl: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    // No RTMP listener: another api on this machine may hold the default port.
    env: { ...process.env, LOG_LEVEL: 'info', PORT: '0', OSMAND_PORT: '0', RTMP_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  spawned.add(child);
  const lines = createInterface({ input: child.stdout! });
  const osmandUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the api did not start within 20 s')), 20_000);
    lines.on('line', (line) => {
      if (!line.includes('api listening')) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { osmandUrl: string }).osmandUrl);
    });
    child.once('exit', (code) => reject(new Error(`the api exited with ${code}`)));
  });
  return { child, osmandUrl };
}

function sendFix(osmandUrl: string, device: string, second: number, p: { lat: number; lon: number }): Promise<number> {
  const q = new URLSearchParams({ id: device, lat: String(p.lat), lon: String(p.lon), timestamp: String(second) });
  return fetch(`${osmandUrl}/?${q}`).then(
    (r) => r.status,
    () => 0,
  );
}

describe('positions answered 2xx are durable; overload is refused, not queued', () => {
  let t: TestApi;
  let town: TinyTownWithPeople;

  before(async () => {
    t = await startTestApi('durability');
    town = await tinyTownWithPeople(t, 4);
  });
  after(async () => {
    for (const child of spawned) child.kill('SIGKILL');
    await t.close();
  });

  it('keeps every fix answered 200 when the api process is killed with SIGKILL right after', async function () {
    this.timeout(60_000);
    const { child, osmandUrl } = await spawnApi({
      DATABASE_URL: t.db.url,
      REDIS_PREFIX: t.redisPrefix,
      DEVICE_BURST: '10000',
      ADMIN_PASSWORD: 'x-admin-password',
    });
    const base = Math.floor(Date.now() / 1000) + 2;
    const answered: { device: string; second: number }[] = [];
    let killed = false;
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 400; i++) {
      const phone = town.phones[i % 4]!;
      const second = base + Math.floor(i / 4);
      sends.push(
        sendFix(osmandUrl, phone.identifier, second, inGrid((i % 4) % 3, 1, 0, (i % 50) * 0.00001)).then((status) => {
          if (status === 200) answered.push({ device: phone.identifier, second });
          // Kill in the middle of the stream, with requests still in flight.
          if (answered.length === 150 && !killed) {
            killed = true;
            child.kill('SIGKILL');
          }
        }),
      );
    }
    await Promise.all(sends);
    child.kill('SIGKILL');
    expect(killed, `only ${answered.length} fixes were answered 200`).to.equal(true);
    const db = new pg.Pool({ connectionString: t.db.url, max: 1 });
    try {
      const { rows } = await db.query<{ identifier: string; s: number }>(
        `SELECT d.identifier, extract(epoch FROM p.fix_time)::int AS s FROM positions p JOIN devices d ON d.id = p.device_id WHERE p.fix_time >= to_timestamp($1)`,
        [base],
      );
      const stored = new Set(rows.map((r) => `${r.identifier}@${r.s}`));
      const lost = answered.filter((a) => !stored.has(`${a.device}@${a.second}`));
      expect(answered.length).to.be.at.least(150);
      expect(lost).to.deep.equal([]);
    } finally {
      await db.end();
    }
  });

  it('answers 503 with Retry-After when the write queue is full, and stores every fix it accepted', async () => {
    const small = await startTestApi('durability-small', { POSITION_QUEUE_MAX: '2', DEVICE_BURST: '10000' }, t);
    try {
      const base = Math.floor(Date.now() / 1000) + 300;
      const results = await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const phone = town.phones[i % 4]!;
          const q = new URLSearchParams({
            id: phone.identifier,
            lat: String(inGrid(1, 2).lat),
            lon: String(inGrid(1, 2).lon),
            timestamp: String(base + i),
          });
          const res = await fetch(`${small.api.osmandUrl}/?${q}`);
          return {
            status: res.status,
            retryAfter: res.headers.get('retry-after'),
            device: phone.identifier,
            second: base + i,
          };
        }),
      );
      const refused = results.filter((r) => r.status === 503);
      const ok = results.filter((r) => r.status === 200);
      expect(refused.length).to.be.greaterThan(0);
      expect(refused.every((r) => r.retryAfter === '1')).to.equal(true);
      expect(ok.length + refused.length).to.equal(200);
      const db = new pg.Pool({ connectionString: t.db.url, max: 1 });
      try {
        const { rows } = await db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM positions WHERE fix_time >= to_timestamp($1)',
          [base],
        );
        expect(rows[0]!.n).to.equal(ok.length);
      } finally {
        await db.end();
      }
    } finally {
      await small.api.close();
    }
  });
});
