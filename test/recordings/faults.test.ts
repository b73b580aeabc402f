// Recording through two faults with real parts: a disk that really fills up (a tmpfs of
// 2 MB this test mounts on RECORDINGS_DIR; ffmpeg meets a real ENOSPC) and a host clock that jumps (the
// recorder's wall clock moved an hour forward, then two back). Real GStreamer camera,
// real ffmpeg, the api's database, a recorder in this process.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, statfs, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { RtspServerProcess } from '../../scripts/simulators/camera/rtsp-process.js';
import { Recorder } from '../../recordings/recorder.js';
import type { RecordingsConfig } from '../../recordings/recordings-config.js';
import { RecordingsRepository } from '../../recordings/recordings.repository.js';
import { videoCameras } from '../../recordings/module.js';
import { startTestApi, type TestApi } from '../helpers/api.js';
import type { HttpClient } from '../helpers/http.js';
import { publishTinyTown } from '../helpers/tiny-town.js';
import { until } from '../helpers/system.js';

const run = promisify(execFile);
const STREAM = { width: 320, height: 180, fps: 10, bitrateKbps: 200 };

interface Row {
  id: number;
  file: string;
  bytes: number;
  started_at: Date;
  ended_at: Date;
}

describe('recording faults: a full disk and a clock jump (real ENOSPC, real ffmpeg)', function () {
  this.timeout(60_000);
  let t: TestApi;
  let cam: RtspServerProcess;
  let townId: number;
  let operator: HttpClient;
  let scratch: string;
  const saved = { ...process.env };

  const segments = async (cameraId: number): Promise<Row[]> =>
    (
      await t.api.services.db.query<Row>(
        'SELECT id, file, bytes::int AS bytes, started_at, ended_at FROM recording_segments WHERE camera_id = $1 ORDER BY id',
        [cameraId],
      )
    ).rows;

  const addCamera = async (name: string, port: number): Promise<number> => {
    const sealed = t.api.services.box.seal('pw');
    const { rows } = await t.api.services.db.query<{ id: number }>(
      `INSERT INTO cameras (town_id, name, host, port, username, password_enc, main_stream_uri, sub_stream_uri)
       VALUES ($1, $2, '127.0.0.1', $3, 'viewer', $4, $5, $6) RETURNING id`,
      [townId, name, port, sealed, `rtsp://127.0.0.1:${cam.port}/main`, `rtsp://127.0.0.1:${cam.port}/sub`],
    );
    return rows[0]!.id;
  };

  const setMode = async (cameraId: number, mode: 'continuous' | 'off') => {
    const res = await t.admin.put(`/api/cameras/${cameraId}/recording-policy`, { mode, retentionDays: 7 });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  };

  const recorder = (id: string, cfg: RecordingsConfig, clock?: () => number) => {
    const s = t.api.services;
    return new Recorder({
      db: s.db,
      redis: s.redis,
      redisPrefix: t.redisPrefix,
      live: s.live,
      cameras: videoCameras(s),
      evidence: s.recordings.attach,
      cfg,
      offsetHours: s.config.TOWN_UTC_OFFSET_HOURS,
      id,
      ...(clock ? { clock } : {}),
    });
  };

  /** Ordered by when they were indexed, each segment starts after the one before ends. */
  const expectOrdered = (rows: Row[]) => {
    for (let i = 1; i < rows.length; i++)
      expect(
        rows[i]!.started_at.getTime(),
        `segment ${rows[i]!.id} starts before segment ${rows[i - 1]!.id} ends`,
      ).to.be.at.least(rows[i - 1]!.ended_at.getTime());
  };

  before(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'wangge-recfault-'));
    Object.assign(process.env, { RECORDINGS_DIR: scratch });
    t = await startTestApi('recfaults');
    townId = await publishTinyTown(t);
    cam = await RtspServerProcess.start({
      port: 0,
      address: '127.0.0.1',
      name: 'fault-cam',
      username: 'viewer',
      password: 'pw',
      main: STREAM,
      sub: STREAM,
      auth: 'digest',
    });
    operator = await t.login(['operator'], [townId]);
  });

  after(async () => {
    await cam?.stop();
    await t?.close();
    process.env = saved;
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  describe('a disk that fills up', () => {
    let dir: string;
    let mounted = false;
    let rec: Recorder | undefined;
    let cameraId: number | undefined;

    after(async () => {
      await rec?.stop();
      if (cameraId) await setMode(cameraId, 'off');
      // The clock test below records on the plain directory again.
      if (mounted) await run('umount', ['-l', dir]);
    });

    it('ENOSPC: an alert, no crash, oldest unheld segments freed, recording goes on, index intact', async () => {
      // The api reads RECORDINGS_DIR at start: the tmpfs goes on that very directory.
      dir = scratch;
      try {
        await run('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', dir]);
        mounted = true;
      } catch (err) {
        throw new Error(
          `the disk-full test mounts a 2 MB tmpfs for RECORDINGS_DIR and could not: ${(err as Error).message.trim()} ` +
            '(run the tests as root in a container or VM that allows mount(2): CAP_SYS_ADMIN)',
          { cause: err },
        );
      }
      const id = await addCamera('满盘机位', 31001);
      cameraId = id;
      await setMode(id, 'continuous');
      const cfg = {
        ...t.api.services.recordings.config,
        dir,
        RECORDING_SEGMENT_S: 1,
        RECORDINGS_MIN_FREE_MB: 0,
        RECORDER_LEASE_MS: 2000,
      };
      rec = recorder('disk-recorder', cfg);
      rec.start();
      const first = await until(
        'four segments',
        async () => {
          const rows = await segments(id);
          return rows.length >= 4 ? rows : undefined;
        },
        20_000,
      );
      // The first two are evidence: held, so no full disk may take them.
      const repo = new RecordingsRepository(t.api.services.db);
      await repo.addHold({
        cameraId: id,
        from: first[0]!.started_at,
        to: first[1]!.ended_at,
        heldUntil: new Date(Date.now() + 86_400_000),
        reason: 'alarm',
        label: 'held evidence',
      });
      // Something else fills the disk: all but 8 KB.
      const fs = await statfs(dir);
      await writeFile(path.join(dir, 'ballast.bin'), Buffer.alloc(Math.max(0, fs.bavail * fs.bsize - 8192)));
      const filledAt = Date.now();

      const alert = await until(
        'a disk_full alert',
        async () => {
          const res = await operator.get('/api/recordings/alerts');
          expect(res.status).to.equal(200);
          return (res.body as { kind: string; recorder: string; detail: string; resolvedAt: string | null }[]).find(
            (a) => a.kind === 'disk_full' && a.recorder === 'disk-recorder',
          );
        },
        15_000,
      );
      expect(alert.detail).to.match(/ENOSPC/);
      expect(alert.resolvedAt).to.equal(null);
      const alertedAt = Date.now();
      // Recording goes on in the room the sweep made.
      await until(
        'two segments after the disk filled',
        async () => {
          const rows = await segments(id);
          return rows.filter((r) => r.started_at.getTime() > alertedAt).length >= 2 ? true : undefined;
        },
        15_000,
      );
      expect(rec.recordings.map((r) => r.cameraId)).to.deep.equal([id]);
      const resumed = (await segments(id)).find((r) => r.started_at.getTime() > alertedAt)!;
      console.log(
        `      disk full: alert ${alertedAt - filledAt} ms after the disk filled, ` +
          `a new segment from ${resumed.started_at.getTime() - filledAt} ms`,
      );

      const now = await segments(id);
      const ids = new Set(now.map((r) => r.id));
      // The held evidence is all there; the oldest unheld segment was freed.
      expect(ids.has(first[0]!.id) && ids.has(first[1]!.id), 'held segments kept').to.equal(true);
      expect(ids.has(first[2]!.id), 'oldest unheld segment freed').to.equal(false);
      const gaps = await t.api.services.db.query<{ reason: string }>(
        'SELECT reason FROM recording_gaps WHERE camera_id = $1 AND ended_at > $2',
        [id, new Date(filledAt)],
      );
      // Footage lost to the full disk is a gap saying so. Whether there is one depends on
      // where in a segment the disk filled: a run started again within 1.5 s leaves no gap.
      for (const g of gaps.rows) expect(g.reason).to.match(/disk full/);
      const status = await operator.get(`/api/cameras/${id}/recording-policy`);
      expect(status.body.status.lastError).to.match(/disk full|No space/);

      // Stopped (its last segment closed), the disk holds exactly what the index names.
      await rec.stop();
      rec = undefined;
      const rows = await segments(id);
      expectOrdered(rows);
      for (const r of rows) expect((await stat(path.join(dir, r.file))).size, r.file).to.equal(r.bytes);
      const onDisk: string[] = [];
      for (const day of await readdir(path.join(dir, String(id))))
        for (const f of await readdir(path.join(dir, String(id), day))) onDisk.push(path.join(String(id), day, f));
      expect(onDisk.sort()).to.deep.equal(rows.map((r) => r.file).sort());
      // Playback still works over the whole stretch.
      const pl = await operator.get(
        `/api/cameras/${id}/recordings/playlist.m3u8?from=${first[0]!.started_at.toISOString()}`,
      );
      expect(pl.status, pl.raw.toString()).to.equal(200);
      expect(pl.raw.toString()).to.include(`segments/${first[0]!.id}.ts`);
    });
  });

  describe('a clock that jumps', () => {
    let rec: Recorder | undefined;
    after(async () => rec?.stop());

    it('keeps the index in order and without overlaps; the timeline shows the jump', async () => {
      const cameraId = await addCamera('跳钟机位', 31002);
      await setMode(cameraId, 'continuous');
      let skew = 0;
      const cfg = {
        ...t.api.services.recordings.config,
        dir: scratch,
        RECORDING_SEGMENT_S: 1,
        RECORDINGS_MIN_FREE_MB: 0,
        RECORDER_LEASE_MS: 2000,
      };
      rec = recorder('clock-recorder', cfg, () => Date.now() + skew);
      rec.start();
      const count = async (n: number, what: string) =>
        until(what, async () => ((await segments(cameraId)).length >= n ? true : undefined), 15_000);
      await count(3, 'three segments');
      const beforeJump = (await segments(cameraId)).length;
      skew = 3_600_000;
      await count(beforeJump + 2, 'two segments after the clock went forward');
      const beforeBack = (await segments(cameraId)).length;
      skew = -3_600_000;
      await count(beforeBack + 2, 'two segments after the clock went back');
      // The camera's connection breaks: a new ffmpeg run, still on the clock that went back.
      const ffmpegOf = () => rec!.recordings.find((r) => r.cameraId === cameraId)?.pid;
      const pid = ffmpegOf()!;
      process.kill(pid, 'SIGKILL');
      await until(
        'a new ffmpeg run',
        async () => {
          const p = ffmpegOf();
          return p !== undefined && p !== pid ? true : undefined;
        },
        10_000,
      );
      const beforeBreak = (await segments(cameraId)).length;
      await count(beforeBreak + 2, 'two segments of the new run');

      const rows = await segments(cameraId);
      expectOrdered(rows);
      // Forward: followed, the hour it skipped is a gap that says why.
      const jumped = await t.api.services.db.query<{ started_at: Date; ended_at: Date; reason: string }>(
        `SELECT started_at, ended_at, reason FROM recording_gaps WHERE camera_id = $1 AND reason LIKE 'clock_jump%'`,
        [cameraId],
      );
      expect(jumped.rowCount, 'one clock_jump gap').to.equal(1);
      const hole = jumped.rows[0]!;
      expect(hole.ended_at.getTime() - hole.started_at.getTime()).to.be.closeTo(3_600_000, 3000);
      expect(rows[beforeJump]!.started_at.getTime()).to.equal(hole.ended_at.getTime());
      // Back: not followed (nothing indexed before what was), footage continues end to end.
      expect(rows[beforeBack]!.started_at.getTime()).to.equal(rows[beforeBack - 1]!.ended_at.getTime());
      // The break after it shows as a short gap.
      const brk = rows[beforeBreak]!.started_at.getTime() - rows[beforeBreak - 1]!.ended_at.getTime();
      expect(brk).to.be.within(0, 2500);

      // The recorder raised both jumps.
      const alerts = (await operator.get('/api/recordings/alerts')).body as {
        kind: string;
        recorder: string;
        jumpMs: number;
      }[];
      const jumps = alerts.filter((a) => a.kind === 'clock_jump' && a.recorder === 'clock-recorder');
      expect(jumps.map((a) => Math.round(a.jumpMs / 60_000)).sort((a, b) => a - b)).to.deep.equal([-120, 60]);

      // The timeline: footage before the jump, the gap, footage after it, all in order.
      const from = new Date(rows[0]!.started_at.getTime() - 60_000).toISOString();
      const to = new Date(rows[rows.length - 1]!.ended_at.getTime() + 60_000).toISOString();
      const tl = await operator.get(`/api/cameras/${cameraId}/recordings/timeline?from=${from}&to=${to}`);
      expect(tl.status, JSON.stringify(tl.body)).to.equal(200);
      const spans = (tl.body.spans as { from: string; to: string }[]).map((s) => [
        Date.parse(s.from),
        Date.parse(s.to),
      ]);
      expect(spans[0]![0]).to.equal(rows[0]!.started_at.getTime());
      expect(spans[0]![1]).to.equal(hole.started_at.getTime());
      expect(spans[1]![0]).to.equal(hole.ended_at.getTime());
      for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).to.be.at.least(spans[i - 1]![1]!);
      expect((tl.body.gaps as { reason: string }[]).some((g) => g.reason.startsWith('clock_jump'))).to.equal(true);
      const pl = await operator.get(`/api/cameras/${cameraId}/recordings/playlist.m3u8?from=${from}&to=${to}`);
      expect(pl.status).to.equal(200);
      const listed = [...pl.raw.toString().matchAll(/^segments\/(\d+)\.ts$/gm)].map((m) => Number(m[1]));
      expect(listed).to.deep.equal(rows.map((r) => r.id));
    });
  });
});
