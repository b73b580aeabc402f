// Login benchmark: does the answer's time tell a known username from an unknown one
// (both must cost one scrypt with the same parameters), and what does a flood of logins
// do (the hash gate: 2 running, 16 waiting, the rest 503 at once; memory bounded).
//   npm run bench:login [-- --rounds 60 --flood 300]
import { parseArgs } from 'node:util';
import os from 'node:os';
import { parseConfig } from '../../platform/config.js';
import { startApi } from '../../server/composition.js';
import { BenchReport, freshBenchDatabase, freshBenchRedis, fmt, percentile, runBenchmark } from './bench-db.js';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '60' }, flood: { type: 'string', default: '300' } },
});
const ROUNDS = Number(values.rounds);
const FLOOD = Number(values.flood);
const PREFIX = 'wangge-bench-login';

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

function summary(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  return `median ${fmt(percentile(s, 50))} ms, p10 ${fmt(percentile(s, 10))}, p90 ${fmt(percentile(s, 90))} (n=${s.length})`;
}

runBenchmark(async () => {
  const bench = new BenchReport();
  const url = await freshBenchDatabase('wangge_bench_login');
  await freshBenchRedis(PREFIX);
  const api = await startApi(
    parseConfig({
      ...process.env,
      DATABASE_URL: url,
      PORT: '0',
      OSMAND_PORT: '0',
      RTMP_PORT: '0',
      REDIS_PREFIX: PREFIX,
      LOG_LEVEL: 'error',
    }),
  );
  try {
    await api.services.auth.ensureFirstAdmin('bench-admin-password');
    // Known usernames: enough accounts that none reaches its 5-failure limit.
    const known: string[] = [];
    for (let i = 0; i < Math.ceil(ROUNDS / 4); i++) {
      const username = `known-${i}`;
      await api.services.auth.createAccount({
        username,
        displayName: username,
        password: 'the-right-password',
        roles: ['planner'],
        townIds: [],
        allTowns: true,
      });
      known.push(username);
    }
    let address = 0;
    const attempt = async (username: string): Promise<{ ms: number; status: number }> => {
      // A new client address every 15 attempts: the per-address limit (20) is not what is measured.
      const ip = `10.1.${Math.floor(address / 15 / 250)}.${Math.floor(address++ / 15) % 250}`;
      const t0 = performance.now();
      const res = await fetch(`${api.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
        body: JSON.stringify({ username, password: 'a-wrong-password' }),
      });
      await res.arrayBuffer();
      return { ms: performance.now() - t0, status: res.status };
    };
    // Warm up (the dummy hash, the pool, the JIT), then alternate so both see the same load.
    for (let i = 0; i < 4; i++) await attempt(`warm-${i}`);
    const knownMs: number[] = [];
    const unknownMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const k = await attempt(known[i % known.length]!);
      const u = await attempt(`nobody-${i}`);
      if (k.status !== 401 || u.status !== 401) throw new Error(`unexpected answers ${k.status} / ${u.status}`);
      knownMs.push(k.ms);
      unknownMs.push(u.ms);
    }
    bench.add(`wrong password, known username (load ${load()})`, summary(knownMs));
    bench.add(`wrong password, unknown username (load ${load()})`, summary(unknownMs));
    const med = (a: number[]) =>
      percentile(
        [...a].sort((x, y) => x - y),
        50,
      );
    bench.add('median difference known − unknown', `${fmt(med(knownMs) - med(unknownMs))} ms`);
    // Each pair ran back to back, so its difference is less disturbed by the load's swings.
    bench.add('median of the paired differences', `${fmt(med(knownMs.map((k, i) => k - unknownMs[i]!)))} ms`);

    // A flood: FLOOD logins at once from as many addresses.
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
    const t0 = performance.now();
    const answers = await Promise.all(Array.from({ length: FLOOD }, () => attempt(`flood-${Math.random()}`)));
    const wall = performance.now() - t0;
    clearInterval(sampler);
    const byStatus = new Map<number, number[]>();
    for (const a of answers) byStatus.set(a.status, [...(byStatus.get(a.status) ?? []), a.ms]);
    bench.add(
      `flood of ${FLOOD} logins at once (load ${load()})`,
      `${fmt(wall)} ms wall; ${[...byStatus].map(([s, ms]) => `${ms.length}× ${s}`).join(', ')}`,
    );
    for (const [status, ms] of byStatus) bench.add(`  answered ${status}`, summary(ms));
    bench.add(
      '  process RSS growth during the flood',
      `${fmt((rssPeak - rssBefore) / 1048576)} MiB (peak ${fmt(rssPeak / 1048576)} MiB)`,
    );
    bench.print();
  } finally {
    await api.close();
  }
});
