// Camera benchmark: 500 simulated ONVIF cameras registered through the API and
// health-checked in rounds (does a round finish well inside the 30 s interval?), and
// the PTZ command round trip through the API against a simulated PTZ camera.
//   npm run bench:cameras [-- --cameras 500]
import { parseArgs } from 'node:util';
import { parseConfig } from '../../server/config.js';
import { startApi } from '../../server/composition.js';
import { SimulatedCamera } from '../simulators/camera/simulated-camera.js';
import { loadFixture, readFixture } from '../../gis/fixture-loader.js';
import { AuthContext } from '../../server/auth/auth-context.js';
import { AccountsRepository } from '../../server/auth/accounts.repository.js';
import { BenchReport, runBenchmark, freshBenchDatabase, fmt, percentile } from './bench-db.js';

const { values } = parseArgs({ options: { cameras: { type: 'string', default: '500' } } });
const COUNT = Number(values.cameras);
const PASSWORD = 'bench-camera-pass';
const HANGBU = '330802101';

async function main(): Promise<void> {
  const bench = new BenchReport();
  const report = (a: string, b: string) => bench.add(a, b);
  const url = await freshBenchDatabase('wangge_bench_cameras');
  const api = await startApi(parseConfig({ ...process.env, DATABASE_URL: url, PORT: '0', OSMAND_PORT: '0', REDIS_PREFIX: 'wangge-bench-cam', LOG_LEVEL: 'error', CAMERA_TIMEOUT_MS: '5000' }));
  const cameras: SimulatedCamera[] = [];
  try {
    await api.services.auth.ensureFirstAdmin('bench-admin-password');
    const admin = AuthContext.of((await new AccountsRepository(api.services.db).findByUsername('admin'))!);
    await loadFixture(api.services, admin, await readFixture('fixtures/hangbu'));
    const login = await fetch(`${api.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'bench-admin-password' }) });
    const { token } = (await login.json()) as { token: string };
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${api.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> };
    };

    console.log(`starting ${COUNT} simulated cameras…`);
    let t0 = performance.now();
    for (let i = 0; i < COUNT; i += 50) {
      cameras.push(...(await Promise.all(Array.from({ length: Math.min(50, COUNT - i) }, (_, k) =>
        SimulatedCamera.start({ name: `cam-${i + k}`, ptz: (i + k) % 5 === 0, rtsp: false, discovery: false, username: 'admin', password: PASSWORD, onvifPort: 0, rtspPort: 0 }),
      ))));
    }
    report('simulated cameras started', `${COUNT} in ${fmt((performance.now() - t0) / 1000, 1)} s`);

    // Registration through the API, 8 installers at once.
    t0 = performance.now();
    let next = 0;
    const ids: number[] = [];
    const failures: number[] = [];
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < cameras.length) {
        const i = next++;
        const cam = cameras[i]!;
        const res = await call('POST', '/api/cameras', {
          name: `天眼${i}`, host: '127.0.0.1', port: Number(new URL(cam.xaddr).port), username: 'admin', password: PASSWORD, townCode: HANGBU,
          placement: { lon: 118.74 + (i % 25) * 0.003, lat: 28.94 + Math.floor(i / 25) * 0.003 },
        });
        if (res.status === 201) ids[i] = res.body['id'] as number;
        else failures.push(res.status);
      }
    }));
    const regS = (performance.now() - t0) / 1000;
    report(`register ${COUNT} cameras through the API (8 at once)`, `${fmt(regS, 1)} s, ${fmt(COUNT / regS, 0)} cameras/s, failures ${failures.length}`);

    // Health rounds: ONVIF clock + RTSP probe for every camera, 50 at once.
    for (let round = 1; round <= 3; round++) {
      const r = await api.services.cameraHealth.checkAll();
      report(`health round ${round} over ${r.checked} cameras`, `${fmt(r.ms / 1000, 2)} s (ONVIF answered by ${r.checked - (await offline(api))}; RTSP is off in these simulators)`);
    }

    // PTZ round trip through the API: relative moves on one PTZ camera, one after another.
    const ptzId = ids[0]!;
    const times: number[] = [];
    for (let i = 0; i < 300; i++) {
      const s = performance.now();
      const res = await call('POST', `/api/cameras/${ptzId}/ptz`, { type: 'relative', translation: { x: i % 2 ? 0.01 : -0.01, y: 0, zoom: 0 } });
      times.push(performance.now() - s);
      if (res.status !== 200) throw new Error(`PTZ failed: ${JSON.stringify(res.body)}`);
    }
    times.sort((a, b) => a - b);
    report('PTZ command round trip through the API (300 relative moves)', `p50 ${fmt(percentile(times, 50))} ms, p99 ${fmt(percentile(times, 99))} ms`);
  } finally {
    await Promise.all(cameras.map((c) => c.stop()));
    await api.close();
  }
  bench.print();
}

async function offline(api: Awaited<ReturnType<typeof startApi>>): Promise<number> {
  const { rows } = await api.services.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM cameras WHERE status = 'offline'`);
  return rows[0]!.n;
}

runBenchmark(main);
