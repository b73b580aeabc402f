// Relay scratch directories left behind by a server killed -9 are removed when the next
// instance starts, and nothing a living instance (in this process or another) uses is
// touched. The leftovers come from a real Node process running a real relay (ffmpeg
// from the simulated camera's RTSP) that is SIGKILLed; the older layouts and other hosts
// are built on disk the way they would be found.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { SimulatedCamera } from '../../scripts/simulators/camera/simulated-camera.js';
import { readPlayablePlaylist } from '../../video/relay/hls-files.js';
import { RelayManager, type LocalWatch } from '../../video/relay/relay-manager.js';
import {
  currentOwner,
  instanceDirName,
  OWNER_FILE,
  ownerState,
  processStartTicks,
} from '../../video/relay/scratch-dirs.js';
import { pidAlive, sleep } from '../helpers/system.js';

const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/15';
const HOUR_MS = 3_600_000;

/** A Node process running one relay through its own RelayManager; prints the relay's dir and pid. */
function relayChild(env: Record<string, string>): {
  child: ChildProcess;
  ready: Promise<{ dir: string; pid: number }>;
} {
  const managerModule = new URL('../../video/relay/relay-manager.ts', import.meta.url).href;
  const code = `
    const { Redis } = await import('ioredis');
    const { RelayManager } = await import(${JSON.stringify(managerModule)});
    const m = new RelayManager({ redis: new Redis(process.env.REDIS_URL), instanceId: process.env.INSTANCE, baseUrl: 'http://127.0.0.1:1',
      keyPrefix: process.env.PREFIX, relay: { hlsRoot: process.env.ROOT } });
    const key = { sourceId: process.env.INSTANCE, stream: 'sub' };
    const w = await m.watch(key, process.env.SRC);
    await w.ready;
    console.log('RELAY ' + JSON.stringify({ dir: w.dir, pid: w.status.pid }));
    setInterval(() => m.touch(key), 500);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    env: { ...process.env, ...env, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  const ready = new Promise<{ dir: string; pid: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the relay child did not start in 20 s')), 20_000);
    child.stdout!.on('data', () => {
      const line = /^RELAY (.*)$/m.exec(out)?.[1];
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as { dir: string; pid: number });
      }
    });
    child.once('exit', (code) => reject(new Error(`the relay child exited (${String(code)})`)));
  });
  return { child, ready };
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => child.once('exit', resolve));
}

/** A directory as an older version or another host would have left it, last written `ageMs` ago. */
async function leftover(dir: string, ageMs: number, owner?: object): Promise<void> {
  await mkdir(dir, { recursive: true });
  const files = ['index.m3u8', 'seg_000041.ts', ...(owner ? [OWNER_FILE] : [])];
  await Promise.all(files.map((f) => writeFile(path.join(dir, f), f === OWNER_FILE ? JSON.stringify(owner) : 'x')));
  const then = new Date(Date.now() - ageMs);
  for (const f of files) await utimes(path.join(dir, f), then, then);
  await utimes(dir, then, then);
}

describe('relay scratch directories left by a killed server', function () {
  this.timeout(60_000);
  const logger = pino({ level: 'silent' });
  let root: string;
  let prefix: string;
  let redis: Redis;
  let camera: SimulatedCamera;
  const children: ChildProcess[] = [];
  const managers: RelayManager[] = [];
  const manager = (instanceId: string) => {
    const m = new RelayManager({
      redis,
      instanceId,
      baseUrl: 'http://127.0.0.1:1',
      keyPrefix: prefix,
      logger,
      relay: { hlsRoot: root },
      leftoverStaleMs: 10 * 60_000,
    });
    managers.push(m);
    return m;
  };

  before(async () => {
    root = await mkdtemp('/dev/shm/wangge-hls-leftovers-');
    prefix = `wangge-test:leftovers:${process.pid}-${Date.now()}`;
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
    camera = await SimulatedCamera.start({
      name: 'leftovers',
      ptz: false,
      username: 'admin',
      password: 'left-over-77',
      onvifPort: 0,
      rtspPort: 0,
      discovery: false,
    });
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(managers.map((m) => m.stopAll()));
    await camera?.stop();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await rm(root, { recursive: true, force: true });
  });

  it('tells a dead owner from a living one, through pid reuse', () => {
    expect(ownerState(currentOwner('me'))).to.equal('alive');
    // Our pid, but a process that started at another time: the pid was reused.
    expect(ownerState({ ...currentOwner('me'), pidStart: (processStartTicks(process.pid) ?? 0) + 1 })).to.equal('dead');
    expect(ownerState({ ...currentOwner('me'), pid: 2 ** 22 + 7 })).to.equal('dead');
    expect(ownerState({ ...currentOwner('me'), host: 'another-host' })).to.equal('unknown');
  });

  it('on start removes what nobody owns, and keeps what living instances use', async () => {
    const env = { REDIS_URL, PREFIX: prefix, ROOT: root, SRC: camera.rtspUrl('sub', true) };
    // Two servers in their own processes, each relaying; one is then killed -9.
    const killed = relayChild({ ...env, INSTANCE: 'killed-instance' });
    const running = relayChild({ ...env, INSTANCE: 'running-instance' });
    children.push(killed.child, running.child);
    // And one in this process.
    const here = manager('here-instance');
    const hereWatch = (await here.watch(
      { sourceId: 'here-instance', stream: 'sub' },
      camera.rtspUrl('sub', true),
    )) as LocalWatch;
    await hereWatch.ready;
    const [killedRelay, runningRelay] = await Promise.all([killed.ready, running.ready]);
    killed.child.kill('SIGKILL');
    await exited(killed.child);
    // Its ffmpeg dies with it (parent-death signal); its files stay.
    for (let i = 0; i < 40 && pidAlive(killedRelay.pid); i++) await sleep(50);
    expect(pidAlive(killedRelay.pid)).to.equal(false);
    expect(existsSync(killedRelay.dir)).to.equal(true);

    // What older versions and other hosts leave.
    const oldLayoutStale = path.join(root, 'camera-7-sub-Ab12Cd');
    const oldLayoutFresh = path.join(root, 'camera-8-sub-Ef34Gh');
    const otherHostStale = path.join(root, instanceDirName('other-host-stale'));
    const otherHostFresh = path.join(root, instanceDirName('other-host-fresh'));
    const noOwner = path.join(root, instanceDirName('no-owner-file'));
    const elsewhere = { ...currentOwner('x'), host: 'api-2.town.local', pid: 4242 };
    await Promise.all([
      leftover(oldLayoutStale, HOUR_MS),
      leftover(oldLayoutFresh, 5000),
      leftover(otherHostStale, HOUR_MS, { ...elsewhere, instanceId: 'other-host-stale' }),
      leftover(otherHostFresh, 5000, { ...elsewhere, instanceId: 'other-host-fresh' }),
      leftover(noOwner, HOUR_MS),
    ]);

    // The server that was killed starts again (new instance id, as composition makes one).
    const restarted = manager('restarted-instance');
    const report = await restarted.leftovers();
    const instanceDir = (id: string) => path.join(root, instanceDirName(id));
    expect(report.removed.sort()).to.deep.equal(
      [instanceDir('killed-instance'), oldLayoutStale, otherHostStale, noOwner].sort(),
    );
    expect(report.kept.sort()).to.deep.equal(
      [instanceDir('running-instance'), instanceDir('here-instance'), oldLayoutFresh, otherHostFresh].sort(),
    );
    expect(existsSync(killedRelay.dir)).to.equal(false);
    // The living relays still have their video.
    expect(await readPlayablePlaylist(runningRelay.dir)).to.not.equal(undefined);
    expect(await readPlayablePlaylist(hereWatch.dir)).to.not.equal(undefined);
    expect(path.dirname(hereWatch.dir)).to.equal(instanceDir('here-instance'));
  });

  it('a stopped instance takes its own directory with it', async () => {
    const m = manager('short-lived');
    await m.leftovers();
    const dir = path.join(root, instanceDirName('short-lived'));
    expect(existsSync(path.join(dir, OWNER_FILE))).to.equal(true);
    await m.stopAll();
    expect(existsSync(dir)).to.equal(false);
    expect((await readdir(root)).includes(instanceDirName('short-lived'))).to.equal(false);
  });
});
