// The live-video relay against the real thing: Debian's ffmpeg, real RTSP from the
// simulated camera, real Redis (db 15) for the leases, node-media-server for pushes.
// Nothing is mocked; process counts come from `ps`.
import { expect } from 'chai';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { SimulatedCamera } from '../../scripts/simulators/camera/simulated-camera.js';
import { readPlayablePlaylist, resolveHlsFile, segmentNumber, waitForPlaylist } from '../../video/relay/hls-files.js';
import { RelayManager, type LocalWatch, type RelayKey, type WatchResult } from '../../video/relay/relay-manager.js';
import { RelayFailedError, type RelayState, type RelayStatus } from '../../video/relay/relay-process.js';
import { RtmpIngest } from '../../video/relay/rtmp-ingest.js';
import { pidAlive, sleep } from '../helpers/system.js';

const run = promisify(execFile);

const REDIS_URL = 'redis://127.0.0.1:6379/15';
// Odd characters on purpose: they must be encoded in the URL and masked in every form.
const PASSWORD = 'Cam@Pw:9/x%';
const WRONG_PASSWORD = 'Wr0ng@Secret';
const PUSH_KEY = 'phone7Secret42';
const BAD_KEY = 'notAllowed99';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** ffmpeg processes whose command line contains `needle`, from `ps`. */
async function ffmpegPids(needle: string): Promise<number[]> {
  const { stdout } = await run('ps', ['-eo', 'pid=,args=']);
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^\d+ \S*ffmpeg /.test(l) && l.includes(needle))
    .map((l) => Number(l.split(' ')[0]));
}

async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => T | undefined | Promise<T | undefined>,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A player waiting for video polls the playlist; each request touches the relay. */
function keepTouching(manager: RelayManager, key: RelayKey): () => void {
  const timer = setInterval(() => manager.touch(key), 300);
  return () => clearInterval(timer);
}

function local(result: WatchResult): LocalWatch {
  if (!result.local) throw new Error(`expected a local relay, got owner ${result.owner}`);
  return result;
}

function stateOf(manager: RelayManager, key: RelayKey): RelayState | undefined {
  return manager.status(key)?.state;
}

/** The HTTP-layer view: the playlist through resolveHlsFile, as a route would read it. */
async function servePlaylist(dir: string): Promise<string> {
  const file = resolveHlsFile(dir, 'index.m3u8');
  if (!file) throw new Error('playlist not resolvable');
  return readFile(file.path, 'utf8');
}

function pushTestPattern(url: string): ChildProcess {
  return spawn(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-re',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=320x180:rate=10',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-g',
      '10',
      '-f',
      'flv',
      url,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
}

function exited(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('process did not exit')), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('video relay: RTSP/RTMP → HLS with ffmpeg', function () {
  this.timeout(30_000);

  const logLines: string[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, cb): void {
        logLines.push(chunk.toString());
        cb();
      },
    }),
  );

  let camera: SimulatedCamera; // shared by the start / share / idle / lease tests
  let restartCamera: SimulatedCamera; // switched off and on
  let redis: Redis;
  let hlsRoot: string;
  let prefix: string;
  let managerA: RelayManager;
  let managerB: RelayManager;
  const managers: RelayManager[] = [];
  const pushers: ChildProcess[] = [];
  let ingest: RtmpIngest | undefined;

  const newManager = (
    instanceId: string,
    port: number,
    extra: Partial<ConstructorParameters<typeof RelayManager>[0]> = {},
  ): RelayManager => {
    const m = new RelayManager({
      redis,
      instanceId,
      baseUrl: `http://127.0.0.1:${port}`,
      keyPrefix: prefix,
      idleMs: 2000,
      logger,
      relay: { hlsRoot },
      ...extra,
    });
    managers.push(m);
    return m;
  };

  before(async () => {
    hlsRoot = await mkdtemp('/dev/shm/wangge-hls-test-');
    prefix = `wangge-test:relay:${process.pid}-${Date.now()}`;
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
    [camera, restartCamera] = await Promise.all([
      SimulatedCamera.start({
        name: 'relay-cam',
        onvifPort: 0,
        rtspPort: 0,
        username: 'admin',
        password: PASSWORD,
        ptz: false,
        discovery: false,
      }),
      SimulatedCamera.start({
        name: 'relay-restart',
        onvifPort: 0,
        rtspPort: 0,
        username: 'admin',
        password: PASSWORD,
        ptz: false,
        discovery: false,
      }),
    ]);
    managerA = newManager('instance-a', 9101);
    managerB = newManager('instance-b', 9102);
  });

  after(async () => {
    for (const p of pushers) if (p.exitCode === null) p.kill('SIGKILL');
    await Promise.all(managers.map((m) => m.stopAll()));
    await ingest?.stop();
    await Promise.all([camera?.stop(), restartCamera?.stop()]);
    if (prefix) {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
    }
    redis?.disconnect();
    if (hlsRoot) await rm(hlsRoot, { recursive: true, force: true });
  });

  it('has the first playable segment in under 2.5 s and shares one ffmpeg between viewers', async () => {
    const key = { sourceId: 'cam-1', stream: 'sub' };
    const started = Date.now();
    const first = local(await managerA.watch(key, camera.rtspUrl('sub', true)));
    const { ms } = await first.ready;
    const measured = Date.now() - started;
    console.log(`      first playable segment after ${ms} ms (watch → ready ${measured} ms)`);
    expect(ms).to.be.below(2500);
    expect(measured).to.be.below(2500);

    const playlist = await servePlaylist(first.dir);
    expect(playlist).to.match(/^#EXTM3U/);
    const segment = /^seg_\d+\.ts$/m.exec(playlist)?.[0];
    expect(segment, 'a segment is listed').to.be.a('string');
    const file = resolveHlsFile(first.dir, segment!)!;
    const bytes = await readFile(file.path);
    expect(bytes[0], 'MPEG-TS sync byte').to.equal(0x47);

    const second = local(await managerA.watch(key, camera.rtspUrl('sub', true)));
    expect(second.dir).to.equal(first.dir);
    expect(second.status.pid).to.equal(first.status.pid);
    expect(second.status.state).to.equal('live');
    const pids = await ffmpegPids(first.dir);
    expect(pids, 'one ffmpeg for two viewers').to.deep.equal([first.status.pid]);
    await managerA.stop(key);
  });

  it('stops a relay nobody asked for during the idle time: ffmpeg gone, directory removed, lease released', async () => {
    const key = { sourceId: 'cam-1', stream: 'idle' };
    // Same camera stream, its own relay key: an independent relay.
    const w = local(await managerA.watch(key, camera.rtspUrl('sub', true)));
    await w.ready;
    const pid = managerA.status(key)!.pid!;
    expect(pidAlive(pid)).to.equal(true);
    expect(await redis.get(managerA.leaseKey(key))).to.be.a('string');
    // A viewer still requesting keeps it: touch for a while longer than idleMs.
    let lastTouch = 0;
    for (let i = 0; i < 6; i++) {
      expect(managerA.touch(key)).to.equal(true);
      lastTouch = Date.now();
      await sleep(500);
    }
    expect(stateOf(managerA, key)).to.equal('live');
    await until('idle stop', 6000, () => (managerA.status(key) === undefined && !existsSync(w.dir) ? true : undefined));
    const stoppedAfter = Date.now() - lastTouch;
    expect(stoppedAfter).to.be.within(2000, 4500);
    expect(pidAlive(pid), 'ffmpeg is gone').to.equal(false);
    expect(await ffmpegPids(w.dir)).to.deep.equal([]);
    expect(await redis.get(managerA.leaseKey(key)), 'lease released').to.equal(null);
    expect(managerA.touch(key)).to.equal(false);
  });

  it('reconnects after a camera restart and keeps serving the playlist', async () => {
    const key = { sourceId: 'cam-2', stream: 'sub' };
    const w = local(await managerA.watch(key, restartCamera.rtspUrl('sub', true)));
    const stopTouching = keepTouching(managerA, key);
    await w.ready;
    await until(
      'two segments',
      5000,
      async () => ((await readPlayablePlaylist(w.dir))?.segments.length ?? 0) >= 2 || undefined,
    );

    // A viewer: asks for the playlist every 300 ms, as hls.js does, and notes any gap.
    const served: Array<{ at: number; last: string | undefined; ok: boolean }> = [];
    let viewing = true;
    const viewer = (async () => {
      while (viewing) {
        managerA.touch(key);
        const p = await readPlayablePlaylist(w.dir);
        served.push({ at: Date.now(), last: p?.segments.at(-1), ok: p !== undefined && !p.ended });
        await sleep(300);
      }
    })();
    const states: string[] = [];
    const unsubscribe = managerA.onStateChange((k, status) => {
      if (k.sourceId === key.sourceId && k.stream === key.stream)
        states.push(`${status.state}@${Date.now() % 100_000}`);
    });
    try {
      const before = (await readPlayablePlaylist(w.dir))!;
      const lastBefore = segmentNumber(before.segments.at(-1)!)!;
      const pidBefore = managerA.status(key)!.pid;

      await restartCamera.setFaults({ offline: true });
      const offlineAt = Date.now();
      await until('reconnecting', 5000, () => (stateOf(managerA, key) === 'reconnecting' ? true : undefined));
      await sleep(Math.max(0, 3000 - (Date.now() - offlineAt)));
      await restartCamera.setFaults({ offline: false });
      const onlineAt = Date.now();
      await until('live again', 15_000, () => (stateOf(managerA, key) === 'live' ? true : undefined));
      console.log(`      live again ${Date.now() - onlineAt} ms after the camera came back`);

      const after = await until('a new segment after the restart', 5000, async () => {
        const p = await readPlayablePlaylist(w.dir);
        const n = p ? segmentNumber(p.segments.at(-1)!) : undefined;
        return n !== undefined && n > lastBefore ? p : undefined;
      });
      const status = managerA.status(key)!;
      expect(status.pid).to.not.equal(pidBefore);
      expect(status.restarts).to.be.greaterThan(0);
      expect(after.mediaSequence, 'numbering continues').to.be.greaterThan(lastBefore);
      expect(after.discontinuity, 'restart marked as a discontinuity').to.equal(true);
      console.log(`      states: ${states.join(' → ')}`);
      const seen = states.map((s) => s.split('@')[0]);
      expect(seen, `states seen: ${states.join(' → ')}`).to.include.members(['reconnecting', 'live']);
      expect(seen.at(-1), `states seen: ${states.join(' → ')}`).to.equal('live');
      expect(seen).to.not.include('failed');
      expect(await ffmpegPids(w.dir)).to.deep.equal([status.pid]);
    } finally {
      viewing = false;
      stopTouching();
      unsubscribe();
      await viewer;
    }
    // The playlist was there for the viewer the whole time, never with an ENDLIST.
    expect(served.length).to.be.greaterThan(10);
    expect(
      served.filter((s) => !s.ok),
      'playlist requests that found no playable playlist',
    ).to.deep.equal([]);
    await managerA.stop(key);
  });

  it('ends `failed` with a readable error when the camera never answers (closed port)', async () => {
    const key = { sourceId: 'cam-dead', stream: 'sub' };
    const port = await freePort();
    const started = Date.now();
    const w = local(await managerA.watch(key, `rtsp://admin:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/sub`));
    const stopTouching = keepTouching(managerA, key);
    const err = await w.ready
      .then(
        () => undefined,
        (e: unknown) => e,
      )
      .finally(stopTouching);
    const took = Date.now() - started;
    console.log(`      failed after ${took} ms: ${(err as Error).message}`);
    expect(err).to.be.instanceOf(RelayFailedError);
    expect(took).to.be.below(15_000);
    const status = managerA.status(key)!;
    expect(status.state).to.equal('failed');
    expect(status.lastError).to.match(/did not answer: connection refused/);
    expect(status.pid).to.equal(undefined);
    expect(await ffmpegPids(String(port))).to.deep.equal([]);
    assertNoPassword(status);
    await managerA.stop(key);
  });

  it('ends `failed` with an authentication error on a wrong password', async () => {
    const key = { sourceId: 'cam-1', stream: 'wrongpw' };
    const url = `rtsp://admin:${encodeURIComponent(WRONG_PASSWORD)}@127.0.0.1:${camera.rtspPort}/sub`;
    const w = local(await managerA.watch(key, url));
    const stopTouching = keepTouching(managerA, key);
    await w.ready.catch(() => undefined).finally(stopTouching);
    const status = managerA.status(key)!;
    expect(status.state).to.equal('failed');
    expect(status.lastError).to.match(/^401 Unauthorized: wrong camera user name or password/);
    expect(status.lastErrorDetail).to.include('admin:***@127.0.0.1');
    expect(status.source).to.equal(`rtsp://admin:***@127.0.0.1:${camera.rtspPort}/sub`);
    assertNoPassword(status);
    await managerA.stop(key);
  });

  it('lets only one instance run a stream: the lease names the owner, and passes on when released', async () => {
    const key = { sourceId: 'cam-1', stream: 'main' };
    const url = camera.rtspUrl('main', true);
    const owner = local(await managerA.watch(key, url));
    await owner.ready;

    const other = await managerB.watch(key, url);
    expect(other).to.deep.equal({ local: false, key, owner: 'http://127.0.0.1:9101', ownerId: 'instance-a' });
    expect(managerB.list()).to.deep.equal([]);
    expect(managerB.touch(key)).to.equal(false);
    expect(await managerB.owner(key)).to.deep.equal({ instanceId: 'instance-a', baseUrl: 'http://127.0.0.1:9101' });
    expect(await redis.pttl(managerA.leaseKey(key))).to.be.within(1, 15_000);
    // One ffmpeg on the camera's main stream, across both instances.
    expect(await ffmpegPids(`127.0.0.1:${camera.rtspPort}/main`)).to.have.length(1);

    // The owner stops (idle, shutdown): the next viewer's instance takes over.
    await managerA.stop(key);
    expect(await redis.get(managerA.leaseKey(key))).to.equal(null);
    const taken = local(await managerB.watch(key, url));
    await taken.ready;
    expect((await managerA.watch(key, url)).local).to.equal(false);
    expect(await ffmpegPids(`127.0.0.1:${camera.rtspPort}/main`)).to.deep.equal([taken.status.pid]);
    await managerB.stop(key);
  });

  it('leaves no ffmpeg behind when the Node process exits or is killed', async function () {
    this.timeout(45_000);
    // A separate Node process runs one relay; it either exits (process.exit) or is
    // SIGKILLed, which runs no JavaScript at all.
    const relayModule = new URL('../../video/relay/relay-process.ts', import.meta.url).href;
    const code = `
      const { RelayProcess } = await import(${JSON.stringify(relayModule)});
      const r = await RelayProcess.start({ sourceUrl: process.env.SRC, hlsRoot: process.env.ROOT, name: 'orphan-' + process.env.MODE });
      await r.ready;
      console.log('RELAY ' + JSON.stringify({ pid: r.pid, dir: r.dir }));
      if (process.env.MODE === 'exit') process.exit(0);
      setInterval(() => {}, 1000);
    `;
    const runChild = async (mode: 'exit' | 'kill'): Promise<{ pid: number; dir: string; child: ChildProcess }> => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
        env: { ...process.env, SRC: camera.rtspUrl('sub', true), ROOT: hlsRoot, MODE: mode, LOG_LEVEL: 'silent' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
      // A cold Node + tsx start and the first HLS segment: seconds alone, more on a loaded machine.
      const line = await until(`the ${mode} child's relay`, 25_000, () => /^RELAY (.*)$/m.exec(out)?.[1]).catch(
        (e: Error) => {
          child.kill('SIGKILL'); // no orphan waiting for its relay after the test
          const { rtspPid, rtspRunning } = camera.state();
          throw new Error(
            `${e.message}; the camera's RTSP process ${rtspPid} running: ${rtspRunning}; the child said: ${(out + err).slice(-500) || 'nothing'}`,
          );
        },
      );
      return { ...(JSON.parse(line) as { pid: number; dir: string }), child };
    };
    const [exiting, killed] = await Promise.all([runChild('exit'), runChild('kill')]);
    expect(pidAlive(killed.pid)).to.equal(true);
    killed.child.kill('SIGKILL');
    await exited(exiting.child, 5000);
    await exited(killed.child, 5000);
    await until('ffmpeg of the exited process gone', 2000, () => (!pidAlive(exiting.pid) ? true : undefined));
    await until('ffmpeg of the killed process gone', 2000, () => (!pidAlive(killed.pid) ? true : undefined));
    expect(existsSync(exiting.dir), 'the exit hook removes the directory').to.equal(false);
    // A SIGKILLed process cannot clean up files; the next start of the server would.
    await rm(killed.dir, { recursive: true, force: true });
  });

  it('never lets a password into status or log lines', () => {
    const all = logLines.join('');
    // The logs did talk about the sources (masked), including ffmpeg's own error lines.
    expect(all).to.include('admin:***@127.0.0.1');
    expect(all).to.match(/401 Unauthorized/);
    for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), WRONG_PASSWORD, encodeURIComponent(WRONG_PASSWORD)]) {
      expect(all.includes(secret), `log contains ${secret}`).to.equal(false);
    }
  });

  describe('pushed RTMP streams (node-media-server 4)', () => {
    const published: string[] = [];
    const unpublished: string[] = [];
    const rejected: string[] = [];
    let busyPortError: unknown;
    let signalHandlers = 0;

    before(async () => {
      signalHandlers = process.listenerCount('SIGTERM') + process.listenerCount('SIGINT');
      // node-media-server calls process.exit(1) when its port is taken; start() must reject instead.
      const busy = net.createServer();
      await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
      busyPortError = await RtmpIngest.start({
        rtmpPort: (busy.address() as net.AddressInfo).port,
        host: '127.0.0.1',
        authorize: () => true,
        logger,
      }).then(
        async (unexpected) => unexpected.stop(),
        (e: unknown) => e,
      );
      await new Promise<void>((r) => busy.close(() => r()));
      ingest = await RtmpIngest.start({
        rtmpPort: await freePort(),
        httpPort: await freePort(),
        host: '127.0.0.1',
        authorize: async (key) => key === PUSH_KEY, // a database lookup in the product
        logger,
      });
      ingest.on('published', (k) => published.push(k));
      ingest.on('unpublished', (k) => unpublished.push(k));
      ingest.on('rejected', (k) => rejected.push(k));
    });

    it('rejects start() on a busy port instead of exiting the process', () => {
      expect(busyPortError).to.be.instanceOf(Error);
      expect((busyPortError as Error).message).to.equal('RTMP could not listen: EADDRINUSE');
    });

    it('installs no SIGTERM/SIGINT handlers of its own (the server shuts down by itself)', () => {
      expect(process.listenerCount('SIGTERM') + process.listenerCount('SIGINT')).to.equal(signalHandlers);
    });

    it('relays an authorized push to HLS through the relay manager', async () => {
      const pusher = pushTestPattern(`rtmp://127.0.0.1:${ingest!.rtmpPort}/live/${PUSH_KEY}`);
      pushers.push(pusher);
      await until('published', 8000, () => (published.includes(PUSH_KEY) ? true : undefined));
      expect(ingest!.isPublishing(PUSH_KEY)).to.equal(true);

      const key = { sourceId: 'push', stream: 'phone-7' };
      const started = Date.now();
      const w = local(await managerA.watch(key, ingest!.sourceUrl(PUSH_KEY)));
      const { ms } = await w.ready;
      console.log(`      pushed stream: first playable segment after ${ms} ms`);
      expect(Date.now() - started).to.be.below(5000);
      const playlist = await waitForPlaylist(w.dir, { timeoutMs: 1000 });
      expect(playlist?.segments.length).to.be.greaterThan(0);
      const status = managerA.status(key)!;
      expect(status.state).to.equal('live');
      // The stream key is the phone's credential: masked like a password.
      expect(status.source).to.equal(`rtmp://127.0.0.1:${ingest!.rtmpPort}/live/***`);

      pusher.kill('SIGTERM');
      await until('unpublished', 5000, () => (unpublished.includes(PUSH_KEY) ? true : undefined));
      expect(ingest!.isPublishing(PUSH_KEY)).to.equal(false);
      await managerA.stop(key);
      expect(logLines.join('').includes(PUSH_KEY), 'stream key in the logs').to.equal(false);
    });

    it('refuses a push with an unknown stream key', async () => {
      const pusher = pushTestPattern(`rtmp://127.0.0.1:${ingest!.rtmpPort}/live/${BAD_KEY}`);
      pushers.push(pusher);
      await until('rejected', 8000, () => (rejected.includes(BAD_KEY) ? true : undefined));
      const code = await exited(pusher, 8000);
      expect(code, 'the pushing ffmpeg fails').to.not.equal(0);
      expect(published).to.not.include(BAD_KEY);
      expect(ingest!.isPublishing(BAD_KEY)).to.equal(false);
    });
  });

  // After the RTMP block: mocha runs a describe's own tests before its nested ones.
  describe('shutdown', () => {
    it('leaves no ffmpeg and no directory behind', async () => {
      await Promise.all(managers.map((m) => m.stopAll()));
      expect(await ffmpegPids(hlsRoot)).to.deep.equal([]);
      expect(await readdir(hlsRoot)).to.deep.equal([]);
      expect(await redis.keys(`${prefix}:*`)).to.deep.equal([]);
    });
  });
});

function assertNoPassword(status: RelayStatus): void {
  const text = JSON.stringify(status);
  for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), WRONG_PASSWORD, encodeURIComponent(WRONG_PASSWORD)]) {
    expect(text.includes(secret), `status contains ${secret}`).to.equal(false);
  }
}
