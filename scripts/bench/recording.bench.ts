// Recording benchmark: N simulated cameras recorded at once by real `recorder` processes
// (ffmpeg -c copy into segments, indexed in PostgreSQL), with CPU and PSS memory per
// recorder (its Node process plus its ffmpegs), the disk write rate and the machine
// share; then playback (playlist + first segment over HTTP, the server's part of
// "click → first frame") and the export of a 10-minute clip.
// The cameras are a few GStreamer RTSP servers, each serving its sub stream to many
// recorders (one shared encoder per server, like one camera per path).
//   npm run bench:recording [-- --cameras 100 --servers 10 --recorders 2 --seconds 30 --hogs 0]
// --hogs N runs N busy processes during the export, a machine loaded as a busy command
// room's (the 1-minute load lags; the runnable count sampled during the export is printed).
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { config, parseConfig } from '../../platform/config.js';
import { createPool } from '../../platform/db/pool.js';
import { CredentialBox } from '../../video/credentials.js';
import { RtspServerProcess } from '../simulators/camera/rtsp-process.js';
import { BenchReport, fmt, freshBenchDatabase, freshBenchRedis, percentile, runBenchmark } from './bench-db.js';

const { values } = parseArgs({
  options: {
    cameras: { type: 'string', default: '100' },
    servers: { type: 'string', default: '10' },
    recorders: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '30' },
    hogs: { type: 'string', default: '0' },
  },
});
const CAMERAS = Number(values.cameras);
const SERVERS = Number(values.servers);
const RECORDERS = Number(values.recorders);
const SECONDS = Number(values.seconds);
const HOGS = Number(values.hogs);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIR = path.join(os.tmpdir(), 'wangge-bench-recordings');
const PREFIX = 'bench-recording';
const TICKS = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function loadavg(): Promise<string> {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/** Processes runnable right now (the 4th field of /proc/loadavg, minus this reader). */
async function runnable(): Promise<number> {
  return Number((await readFile('/proc/loadavg', 'utf8')).split(' ')[3]!.split('/')[0]) - 1;
}

/**
 * N busy processes, each in its own session: the kernel's autogroups share the CPU
 * between sessions, so this is N other programs competing with the api, as on a shared
 * machine (N busy children of this process would only compete with each other).
 */
function startHogs(n: number): { kill(): void } {
  const hogs = Array.from({ length: n }, () =>
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore', detached: true }),
  );
  const kill = () => hogs.forEach((h) => h.exitCode === null && h.kill('SIGKILL'));
  process.once('exit', kill); // never left spinning, whatever ends the benchmark
  return { kill };
}

async function children(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const p of await readdir('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = await readFile(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.split(') ')[1]!.split(' ')[1]);
      if (ppid === pid) out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}

async function cpuTicks(pid: number): Promise<number> {
  try {
    const f = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

/** CPU ticks of this process (the api runs in it) and of its children reaped so far (the exports' ffmpegs). */
async function selfTicks(): Promise<{ own: number; reaped: number }> {
  const f = (await readFile('/proc/self/stat', 'utf8')).split(') ')[1]!.split(' ');
  return { own: Number(f[11]) + Number(f[12]), reaped: Number(f[13]) + Number(f[14]) };
}

async function pssKiB(pid: number): Promise<number> {
  try {
    return Number(/^Pss:\s+(\d+)/m.exec(await readFile(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** A recorder's process tree: node, and ffmpeg (directly, or under setpriv which execs into it). */
async function tree(pid: number): Promise<number[]> {
  return [pid, ...(await children(pid))];
}

async function main(): Promise<void> {
  const bench = new BenchReport();
  const cfg = config();
  bench.add('load before (1/5/15 min)', await loadavg());
  const url = await freshBenchDatabase('wangge_bench_recording');
  await freshBenchRedis(PREFIX);
  await rm(DIR, { recursive: true, force: true });
  await mkdir(DIR, { recursive: true });
  const db = createPool(url, 4);
  const box = new CredentialBox(cfg.SECRET_KEY);
  const town = (
    await db.query<{ id: number }>(
      `INSERT INTO areas (id, code, name, level, geom, synthetic, town_id)
       VALUES (nextval('areas_id_seq'), '990199001', '录像基准镇', 'town', ST_Multi(ST_MakeEnvelope(120, 30, 120.01, 30.01, 4326)),
         true, currval('areas_id_seq')) RETURNING id`,
    )
  ).rows[0]!.id;
  const spec = { width: 320, height: 180, fps: 10, bitrateKbps: 256 };
  const servers = await Promise.all(
    Array.from({ length: SERVERS }, (_, i) =>
      RtspServerProcess.start({
        port: 0,
        address: '127.0.0.1',
        name: `bench-${i}`,
        username: 'u',
        password: 'p',
        main: spec,
        sub: spec,
        auth: 'none',
      }),
    ),
  );
  const sealed = box.seal('p');
  for (let i = 0; i < CAMERAS; i++) {
    const server = servers[i % SERVERS]!;
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO cameras (town_id, name, host, port, username, password_enc, main_stream_uri, sub_stream_uri)
       VALUES ($1, $2, '127.0.0.1', $3, 'u', $4, $5, $6) RETURNING id`,
      [
        town,
        `基准 ${i + 1}`,
        40000 + i,
        sealed,
        `rtsp://127.0.0.1:${server.port}/main`,
        `rtsp://127.0.0.1:${server.port}/sub`,
      ],
    );
    await db.query(`INSERT INTO recording_policies (camera_id, mode, stream) VALUES ($1, 'continuous', 'sub')`, [
      rows[0]!.id,
    ]);
  }
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATABASE_URL: url,
    REDIS_PREFIX: PREFIX,
    RECORDINGS_DIR: DIR,
    RECORDINGS_MIN_FREE_MB: '0',
    RECORDING_SEGMENT_S: '4',
    RECORDER_LEASE_MS: '6000',
  };
  const started = Date.now();
  const recorders: ChildProcess[] = Array.from({ length: RECORDERS }, (_, i) =>
    spawn(process.execPath, ['--import', 'tsx', 'recorder/main.ts'], {
      cwd: ROOT,
      env: { ...env, RECORDER_ID: `bench-rec-${i + 1}` },
      stdio: ['ignore', 'inherit', 'inherit'],
    }),
  );
  try {
    const recording = async () =>
      Number((await db.query(`SELECT count(DISTINCT camera_id) AS n FROM recording_segments`)).rows[0].n as number);
    while ((await recording()) < CAMERAS && Date.now() - started < 90_000) await sleep(1000);
    const all = await recording();
    bench.add(
      'cameras recording (indexed segments)',
      `${all} of ${CAMERAS} after ${fmt((Date.now() - started) / 1000)} s`,
    );
    // The measured window.
    const trees0 = await Promise.all(recorders.map((r) => tree(r.pid!)));
    const cpu0 = await Promise.all(
      trees0.map(async (t) => (await Promise.all(t.map(cpuTicks))).reduce((a, b) => a + b, 0)),
    );
    const bytes0 = Number((await db.query(`SELECT coalesce(sum(bytes), 0) AS b FROM recording_segments`)).rows[0].b);
    const t0 = Date.now();
    await sleep(SECONDS * 1000);
    const secs = (Date.now() - t0) / 1000;
    const trees1 = await Promise.all(recorders.map((r) => tree(r.pid!)));
    const cpu1 = await Promise.all(
      trees1.map(async (t) => (await Promise.all(t.map(cpuTicks))).reduce((a, b) => a + b, 0)),
    );
    const bytes1 = Number((await db.query(`SELECT coalesce(sum(bytes), 0) AS b FROM recording_segments`)).rows[0].b);
    let total = 0;
    for (let i = 0; i < RECORDERS; i++) {
      const pct = ((cpu1[i]! - cpu0[i]!) / TICKS / secs) * 100;
      total += pct;
      const pss = (await Promise.all(trees1[i]!.map(pssKiB))).reduce((a, b) => a + b, 0) / 1024;
      const nodePss = (await pssKiB(recorders[i]!.pid!)) / 1024;
      bench.add(
        `recorder ${i + 1}: ${trees1[i]!.length - 1} ffmpeg`,
        `CPU ${fmt(pct)} % of one core; PSS ${fmt(pss)} MiB (node ${fmt(nodePss)} MiB, ffmpegs ${fmt(pss - nodePss)} MiB)`,
      );
    }
    bench.add(
      'all recorders',
      `CPU ${fmt(total)} % of one core = ${fmt(total / os.cpus().length)} % of the machine (${os.cpus().length} cores)`,
    );
    bench.add(
      'disk write rate (indexed segments)',
      `${fmt((bytes1 - bytes0) / secs / 1024)} KiB/s = ${fmt(((bytes1 - bytes0) * 8) / secs / 1000 / all)} kbit/s per camera`,
    );
    bench.add('load during recording (1/5/15 min)', await loadavg());

    // Playback through the api: playlist + first segment, as the player asks them.
    const { startApi } = await import('../../server/composition.js');
    process.env['RECORDINGS_DIR'] = DIR;
    const api = await startApi(
      parseConfig({
        ...process.env,
        DATABASE_URL: url,
        REDIS_PREFIX: PREFIX,
        PORT: '0',
        OSMAND_PORT: '0',
        RTMP_PORT: '0',
      }),
    );
    const admin = await api.services.auth.ensureFirstAdmin('bench-admin-password');
    void admin;
    const login = await fetch(`${api.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'bench-admin-password' }),
    });
    const token = ((await login.json()) as { token: string }).token;
    const h = { authorization: `Bearer ${token}` };
    const cams = (await db.query<{ id: number }>(`SELECT DISTINCT camera_id AS id FROM recording_segments LIMIT 20`))
      .rows;
    const times: number[] = [];
    for (const c of cams) {
      const at = new Date(Date.now() - 20_000).toISOString();
      const began = performance.now();
      const pl = await fetch(`${api.url}/api/cameras/${c.id}/recordings/playlist.m3u8?from=${at}`, { headers: h });
      const text = await pl.text();
      const first = /^segments\/\d+\.ts$/m.exec(text)?.[0];
      if (!first) {
        console.error(`  playlist of camera ${c.id}: ${pl.status} ${text.slice(0, 200)}`);
        continue;
      }
      const seg = await fetch(`${api.url}/api/cameras/${c.id}/recordings/${first}`, { headers: h });
      await seg.arrayBuffer();
      times.push(performance.now() - began);
    }
    times.sort((a, b) => a - b);
    bench.add(
      'click → playlist + first segment (server side, HTTP)',
      `p50 ${fmt(percentile(times, 50))} ms, p95 ${fmt(percentile(times, 95))} ms (${times.length} cameras)`,
    );

    // A 10-minute clip: the camera's real segments repeated back to back over 10 minutes.
    const cam = cams[0]!.id;
    const segs = (
      await db.query<{ file: string; bytes: number }>(
        `SELECT file, bytes FROM recording_segments WHERE camera_id = $1 ORDER BY started_at LIMIT 5`,
        [cam],
      )
    ).rows;
    const base = Date.now() - 86_400_000;
    await mkdir(path.join(DIR, 'ten'), { recursive: true });
    for (let i = 0; i < 150; i++) {
      const s = segs[i % segs.length]!;
      const file = `ten/${String(i).padStart(4, '0')}.ts`;
      await copyFile(path.join(DIR, s.file), path.join(DIR, file));
      await db.query(
        `INSERT INTO recording_segments (camera_id, stream, started_at, ended_at, bytes, file, run, keep_until, recorder)
         VALUES ($1, 'sub', $2, $3, $4, $5, 'ten', now() + interval '1 day', 'bench')`,
        [cam, new Date(base + i * 4000), new Date(base + (i + 1) * 4000), s.bytes, file],
      );
    }
    const exportTimes: number[] = [];
    const queue: number[] = [];
    let size = 0;
    const hogs = startHogs(HOGS);
    if (HOGS) await sleep(3000);
    const sampler = setInterval(() => void runnable().then((n) => queue.push(n)), 100);
    const loadAtExport = await loadavg();
    const cpu = { own: 0, reaped: 0 };
    try {
      for (let i = 0; i < 3; i++) {
        await sleep(1500); // a few seconds apart, as people ask for them
        const before = await selfTicks();
        const began = performance.now();
        const res = await fetch(`${api.url}/api/cameras/${cam}/recordings/exports`, {
          method: 'POST',
          headers: { ...h, 'content-type': 'application/json' },
          body: JSON.stringify({ from: new Date(base).toISOString(), to: new Date(base + 600_000).toISOString() }),
        });
        const body = (await res.json()) as { bytes: number };
        if (res.status !== 201) throw new Error(`export: ${res.status} ${JSON.stringify(body)}`);
        exportTimes.push(performance.now() - began);
        const after = await selfTicks();
        cpu.own += after.own - before.own;
        cpu.reaped += after.reaped - before.reaped;
        size = body.bytes;
      }
    } finally {
      clearInterval(sampler);
      hogs.kill();
    }
    exportTimes.sort((a, b) => a - b);
    queue.sort((a, b) => a - b);
    bench.add(
      `10-minute clip export (MP4, stream copy + SHA-256${HOGS ? `, ${HOGS} busy processes` : ''})`,
      `median ${fmt(percentile(exportTimes, 50))} ms, max ${fmt(exportTimes[exportTimes.length - 1]!)} ms, ${fmt(size / 1024 / 1024)} MiB; ` +
        `load ${loadAtExport}, runnable processes during it median ${percentile(queue, 50)} (max ${queue[queue.length - 1]})`,
    );
    // CPU is what a loaded machine rations: the wall time is about CPU ÷ the share it gets.
    bench.add(
      'CPU per export (the load-independent part)',
      `ffmpeg ${fmt((cpu.reaped / TICKS / 3) * 1000, 0)} ms, ` +
        `api process ${fmt((cpu.own / TICKS / 3) * 1000, 0)} ms (with the benchmark's own client)`,
    );
    bench.add('load after (1/5/15 min)', await loadavg());
    await api.close();
  } finally {
    for (const r of recorders) r.kill('SIGTERM');
    await sleep(2500);
    for (const r of recorders) if (r.exitCode === null) r.kill('SIGKILL');
    await Promise.all(servers.map((s) => s.stop()));
    await db.end();
    await rm(DIR, { recursive: true, force: true });
  }
  bench.print();
}

runBenchmark(main);
