// Live-video benchmark: from "watch" to the first playable HLS segment (1 s keyframe
// interval), and 50 camera streams relayed at once with the CPU and memory of each
// ffmpeg. The sources are simulated cameras (GStreamer RTSP, shared media).
//   npm run bench:video [-- --relays 50 --cameras 5]
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { SimulatedCamera } from '../simulators/camera/simulated-camera.js';
import { RelayManager, type RelayKey } from '../../video/relay/relay-manager.js';
import { BenchReport, runBenchmark, fmt, percentile } from './bench-db.js';
import { glassToGlass } from './glass-to-glass.js';

const { values } = parseArgs({
  options: {
    relays: { type: 'string', default: '50' },
    cameras: { type: 'string', default: '5' },
    /** Seconds of frames read per path for glass-to-glass; 0 skips the browser part. */
    'glass-seconds': { type: 'string', default: '15' },
  },
});
const RELAYS = Number(values.relays);
const CAMERAS = Number(values.cameras);
const TICKS = 100; // clock ticks per second on Linux
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}
function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

async function main(): Promise<void> {
  const bench = new BenchReport();
  const report = (a: string, b: string) => bench.add(a, b);
  if (Number(values['glass-seconds']) > 0) await glassToGlass(report, Number(values['glass-seconds']));
  const redis = new Redis('redis://127.0.0.1:6379/15', { maxRetriesPerRequest: null });
  const cams = await Promise.all(
    Array.from({ length: CAMERAS }, (_, i) =>
      SimulatedCamera.start({
        name: `bench-${i}`,
        ptz: false,
        username: 'admin',
        password: 'bench-pass',
        onvifPort: 0,
        rtspPort: 0,
        discovery: false,
      }),
    ),
  );
  const manager = new RelayManager({
    redis,
    instanceId: randomUUID(),
    baseUrl: 'http://127.0.0.1:1',
    keyPrefix: `bench-${process.pid}:relay`,
    idleMs: 600_000,
  });
  try {
    // First playable segment, one relay at a time.
    const firsts: number[] = [];
    const firstFailures: string[] = [];
    for (let i = 0; i < 10; i++) {
      const key: RelayKey = { sourceId: `first-${i}`, stream: i % 2 ? 'main' : 'sub' };
      const started = performance.now();
      try {
        const watch = await manager.watch(key, cams[i % CAMERAS]!.rtspUrl(i % 2 ? 'main' : 'sub', true));
        if (!watch.local) throw new Error('not local');
        await watch.ready;
        firsts.push(performance.now() - started);
      } catch (err) {
        firstFailures.push((err as Error).message);
      }
      await manager.stop(key);
    }
    firsts.sort((a, b) => a - b);
    report(
      'watch → first playable HLS segment (10 tries, main and sub)',
      `p50 ${fmt(percentile(firsts, 50) / 1000, 2)} s, max ${fmt((firsts.at(-1) ?? NaN) / 1000, 2)} s` +
        (firstFailures.length ? `, failed ${firstFailures.length} (${[...new Set(firstFailures)].join('; ')})` : ''),
    );

    // Many relays at once.
    const keys: RelayKey[] = Array.from({ length: RELAYS }, (_, i) => ({
      sourceId: `camera-${i}`,
      stream: i % 3 === 0 ? 'main' : 'sub',
    }));
    const started = performance.now();
    // A relay that fails to start (a source that gave no video in time, or a RelayFailedError
    // thrown by watch() itself) is counted in the table; it must not end the benchmark.
    const outcomes = await Promise.allSettled(
      keys.map(async (k, i) => {
        const w = await manager.watch(k, cams[i % CAMERAS]!.rtspUrl(k.stream as 'main' | 'sub', true));
        if (w.local) await w.ready;
      }),
    );
    const failed = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as Error).message] : []));
    report(`${RELAYS} relays started together: settled after`, `${fmt((performance.now() - started) / 1000, 2)} s`);
    report(
      `${RELAYS} relays started together: failed to start`,
      failed.length === 0 ? '0' : `${failed.length} (${[...new Set(failed)].join('; ')})`,
    );
    await sleep(5000);
    const pids = keys.flatMap((k) => manager.status(k)?.pid ?? []);
    // A relay that died since is left out of the CPU figures rather than ending the run.
    const alive = (pid: number) => {
      try {
        cpuTicks(pid);
        return true;
      } catch {
        return false;
      }
    };
    const before = pids.map((p) => (alive(p) ? cpuTicks(p) : 0));
    const window = 10;
    await sleep(window * 1000);
    const after = pids.map((p, i) => (alive(p) ? cpuTicks(p) : before[i]!));
    const cpu = pids.map((_, i) => ((after[i]! - before[i]!) / TICKS / window) * 100).sort((a, b) => a - b);
    const rss = pids
      .filter(alive)
      .map(rssMiB)
      .sort((a, b) => a - b);
    const live = keys.filter((k) => manager.status(k)?.state === 'live').length;
    report(`${RELAYS} relays at once: live`, `${live}/${RELAYS}`);
    report(
      'CPU per relay (ffmpeg -c copy, % of one core)',
      `mean ${fmt(cpu.reduce((a, b) => a + b, 0) / cpu.length, 2)}%, max ${fmt(cpu[cpu.length - 1]!, 2)}%, all ${RELAYS}: ${fmt(
        cpu.reduce((a, b) => a + b, 0),
        1,
      )}%`,
    );
    report(
      'memory per relay (RSS)',
      `median ${fmt(percentile(rss, 50), 1)} MiB, max ${fmt(rss[rss.length - 1]!, 1)} MiB`,
    );
  } finally {
    await manager.stopAll();
    await Promise.all(cams.map((c) => c.stop()));
    redis.disconnect();
  }
  bench.print();
}

runBenchmark(main);
