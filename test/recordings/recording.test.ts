// Recording and playback against the real things: GStreamer RTSP cameras, Debian's
// ffmpeg writing real segment files, two real `recorder` processes sharing the cameras
// through Redis leases, the api serving timelines, playlists and exports.
import { expect } from 'chai';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { RtspServerProcess } from '../../scripts/simulators/camera/rtsp-process.js';
import { startTestApi, type TestApi } from '../helpers/api.js';
import type { HttpClient } from '../helpers/http.js';
import { publishTinyTown } from '../helpers/tiny-town.js';
import { pidAlive, sleep, until } from '../helpers/system.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LEASE_MS = 2000;
const STREAM = { width: 320, height: 180, fps: 10, bitrateKbps: 200 };

/** The duration of an MP4's video, as ffprobe reads it. */
async function mp4Seconds(mp4: Buffer): Promise<number> {
  const file = path.join(os.tmpdir(), `wangge-clip-${process.pid}.mp4`);
  await writeFile(file, mp4);
  try {
    const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
    return Number(out.toString().trim());
  } finally {
    await rm(file, { force: true });
  }
}

class RecorderProcess {
  readonly output: string[] = [];
  constructor(
    readonly id: string,
    readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (d: Buffer) => this.output.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => this.output.push(d.toString()));
  }
  static start(id: string, env: Record<string, string>): RecorderProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', 'recorder/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', RECORDER_ID: id, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new RecorderProcess(id, child);
  }
  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill(signal);
    await exited;
  }
}

describe('recording and playback (real ffmpeg, RTSP, recorders)', function () {
  this.timeout(90_000);
  let t: TestApi;
  let dir: string;
  let cam: RtspServerProcess;
  let townId: number;
  let continuousId: number;
  let bufferId: number;
  let operator: HttpClient;
  let gridworker: HttpClient;
  let stranger: HttpClient;
  let redis: Redis;
  const recorders: RecorderProcess[] = [];
  const saved = { ...process.env };
  const segmentCount = async (cameraId: number) =>
    Number(
      (await t.api.services.db.query('SELECT count(*) AS n FROM recording_segments WHERE camera_id = $1', [cameraId]))
        .rows[0].n,
    );

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'wangge-rec-'));
    Object.assign(process.env, { RECORDINGS_DIR: dir, EXPORT_MAX_S: '60' });
    t = await startTestApi('recordings');
    townId = await publishTinyTown(t);
    cam = await RtspServerProcess.start({
      port: 0,
      address: '127.0.0.1',
      name: 'rec-cam',
      username: 'viewer',
      password: 'pw:rec@1',
      main: STREAM,
      sub: STREAM,
      auth: 'digest',
    });
    const sealed = t.api.services.box.seal('pw:rec@1');
    const insert = async (name: string, port: number) =>
      (
        await t.api.services.db.query<{ id: number }>(
          `INSERT INTO cameras (town_id, name, host, port, username, password_enc, main_stream_uri, sub_stream_uri)
           VALUES ($1, $2, '127.0.0.1', $3, 'viewer', $4, $5, $6) RETURNING id`,
          [townId, name, port, sealed, `rtsp://127.0.0.1:${cam.port}/main`, `rtsp://127.0.0.1:${cam.port}/sub`],
        )
      ).rows[0]!.id;
    continuousId = await insert('录像机位 1', 30001);
    bufferId = await insert('缓存机位 2', 30002);
    // The buffer camera looks everywhere around (120.015, 30.015): incidents there get its footage.
    const placed = await t.admin.put(`/api/cameras/${bufferId}/placement`, {
      lon: 120.015,
      lat: 30.015,
      hfovDeg: 360,
      rangeM: 200,
    });
    expect(placed.status, JSON.stringify(placed.body)).to.equal(200);
    operator = await t.login(['operator'], [townId]);
    gridworker = await t.login(['gridworker'], [townId]);
    stranger = await t.login(['operator'], [], false);
    redis = new Redis(t.api.services.config.REDIS_URL);
    const env = {
      DATABASE_URL: t.db.url,
      REDIS_URL: t.api.services.config.REDIS_URL,
      REDIS_PREFIX: t.redisPrefix,
      SECRET_KEY: t.api.services.config.SECRET_KEY,
      RECORDINGS_DIR: dir,
      RECORDER_LEASE_MS: String(LEASE_MS),
      RECORDING_SEGMENT_S: '1',
      RECORDING_BUFFER_S: '120',
      RECORDINGS_MIN_FREE_MB: '0',
    };
    recorders.push(RecorderProcess.start('rec-a', env), RecorderProcess.start('rec-b', env));
  });

  after(async () => {
    if (process.env['RECORDING_TEST_DEBUG']) for (const r of recorders) console.error(r.id, r.output.join(''));
    for (const r of recorders) await r.kill('SIGTERM');
    redis?.disconnect();
    await cam?.stop();
    await t?.close();
    process.env = saved;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('sets a policy per camera (admins), shows it to the command room, refuses others', async () => {
    const put = await t.admin.put(`/api/cameras/${continuousId}/recording-policy`, {
      mode: 'continuous',
      retentionDays: 7,
    });
    expect(put.status, JSON.stringify(put.body)).to.equal(200);
    expect(put.body).to.include({ mode: 'continuous', stream: 'sub', retentionDays: 7 });
    const got = await operator.get(`/api/cameras/${continuousId}/recording-policy`);
    expect(got.body).to.include({ mode: 'continuous' });
    expect((await operator.put(`/api/cameras/${continuousId}/recording-policy`, { mode: 'off' })).status).to.equal(403);
    const empty = await t.admin.put(`/api/cameras/${continuousId}/recording-policy`, { mode: 'schedule' });
    expect(empty.status).to.equal(422);
    expect(empty.body.error.code).to.equal('schedule_empty');
    const bad = await t.admin.put(`/api/cameras/${continuousId}/recording-policy`, {
      mode: 'schedule',
      schedule: [{ day: 9, from: '25:00', to: '08:00' }],
    });
    expect(bad.status).to.equal(400);
    expect(JSON.stringify(bad.body)).to.match(/schedule/);
    expect((await gridworker.get(`/api/cameras/${continuousId}/recording-policy`)).status).to.equal(403);
    expect((await stranger.get(`/api/cameras/${continuousId}/recording-policy`)).status).to.equal(404);
  });

  it('records each camera once, split over the recorders by lease, into indexed segment files', async () => {
    await until(
      'segments of both cameras',
      async () => ((await segmentCount(continuousId)) >= 3 && (await segmentCount(bufferId)) >= 2 ? true : undefined),
      40_000,
    );
    const holders = await Promise.all(
      [continuousId, bufferId].map((id) => redis.get(`${t.redisPrefix}:recorder:camera:${id}`)),
    );
    expect(holders.every((h) => h === 'rec-a' || h === 'rec-b')).to.equal(true);
    const { rows } = await t.api.services.db.query(
      'SELECT file, bytes, started_at, ended_at, keep_until FROM recording_segments WHERE camera_id = $1 ORDER BY started_at',
      [continuousId],
    );
    for (const r of rows) expect((await stat(path.join(dir, r.file))).size).to.equal(Number(r.bytes));
    // Recorded footage is kept for the camera's 7 days; the buffer camera's only minutes.
    expect(rows[0].keep_until.getTime() - rows[0].started_at.getTime()).to.be.closeTo(7 * 86_400_000, 1000);
    const buf = await t.api.services.db.query(
      'SELECT keep_until, ended_at FROM recording_segments WHERE camera_id = $1 LIMIT 1',
      [bufferId],
    );
    expect(buf.rows[0].keep_until.getTime() - buf.rows[0].ended_at.getTime()).to.be.closeTo(120_000, 1000);
    // Wall-clock times: the newest segment ended within a few seconds of now.
    expect(Date.now() - rows[rows.length - 1].ended_at.getTime()).to.be.lessThan(5000);
  });

  it('plays back from any instant: timeline, calendar, VOD playlist, segments', async () => {
    const from = new Date(Date.now() - 120_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const tl = await operator.get(`/api/cameras/${continuousId}/recordings/timeline?from=${from}&to=${to}`);
    expect(tl.status, JSON.stringify(tl.body)).to.equal(200);
    expect(tl.body.spans.length).to.be.greaterThan(0);
    const start = new Date(tl.body.spans[0].from);
    const days = await operator.get(
      `/api/cameras/${continuousId}/recordings/days?month=${start.toISOString().slice(0, 7)}`,
    );
    expect(days.body.days.length).to.be.greaterThan(0);
    const began = Date.now();
    const at = new Date(start.getTime() + 1500).toISOString();
    const pl = await operator.get(`/api/cameras/${continuousId}/recordings/playlist.m3u8?from=${at}`);
    expect(pl.status).to.equal(200);
    const text = pl.raw.toString();
    expect(text)
      .to.match(/#EXT-X-PLAYLIST-TYPE:VOD/)
      .and.match(/#EXT-X-ENDLIST/)
      .and.match(/#EXT-X-START:TIME-OFFSET=/);
    const first = /^segments\/\d+\.ts$/m.exec(text)![0];
    const seg = await fetch(`${t.api.url}/api/cameras/${continuousId}/recordings/${first}`, {
      headers: { authorization: `Bearer ${operator.token}` },
    });
    expect(seg.status).to.equal(200);
    expect(seg.headers.get('content-type')).to.match(/video\/mp2t/);
    const bytes = Buffer.from(await seg.arrayBuffer());
    expect(bytes[0]).to.equal(0x47); // MPEG-TS sync byte
    expect(Date.now() - began, 'playlist + first segment').to.be.lessThan(1500);
  });

  it('answers a range with no footage with a clear 404, and refuses the wrong people', async () => {
    const from = new Date(Date.now() - 86_400_000 * 3).toISOString();
    const none = await operator.get(`/api/cameras/${continuousId}/recordings/playlist.m3u8?from=${from}`);
    expect(none.status).to.equal(404);
    expect(none.body.error.code).to.equal('no_footage');
    expect(none.body.error.message).to.include('没有录像');
    const backwards = await operator.get(
      `/api/cameras/${continuousId}/recordings/timeline?from=${new Date().toISOString()}&to=${from}`,
    );
    expect(backwards.status).to.equal(422);
    expect(
      (await gridworker.get(`/api/cameras/${continuousId}/recordings/playlist.m3u8?from=${from}`)).status,
    ).to.equal(403);
    const other = await stranger.get(`/api/cameras/${continuousId}/recordings/playlist.m3u8?from=${from}`);
    expect(other.status).to.equal(404);
  });

  it('exports a clip as MP4 with its SHA-256 in an append-only log; refuses one over the limit', async () => {
    const { rows } = await t.api.services.db.query(
      'SELECT min(started_at) AS a, max(ended_at) AS b FROM recording_segments WHERE camera_id = $1',
      [continuousId],
    );
    const from = new Date(rows[0].a.getTime() + 500);
    const to = new Date(Math.min(rows[0].b.getTime(), from.getTime() + 4000));
    const made = await operator.post(`/api/cameras/${continuousId}/recordings/exports`, { from, to });
    expect(made.status, JSON.stringify(made.body)).to.equal(201);
    expect(made.body.sha256).to.match(/^[0-9a-f]{64}$/);
    const file = await fetch(`${t.api.url}${made.body.url}`, {
      headers: { authorization: `Bearer ${operator.token}` },
    });
    expect(file.status).to.equal(200);
    const body = Buffer.from(await file.arrayBuffer());
    expect(body.subarray(4, 8).toString()).to.equal('ftyp');
    expect(createHash('sha256').update(body).digest('hex')).to.equal(made.body.sha256);
    // From the keyframe opening the segment that holds `from` (1 s segments) to `to`.
    const asked = (to.getTime() - from.getTime()) / 1000;
    const seconds = await mp4Seconds(body);
    expect(seconds, 'clip duration').to.be.within(asked - 0.3, asked + 1.3);
    const log = await operator.get('/api/recordings/exports');
    expect(log.body[0]).to.include({ id: made.body.id, cameraId: continuousId, sha256: made.body.sha256 });
    expect(log.body[0].username).to.match(/^operator/);
    let refused = '';
    await t.api.services.db.query('DELETE FROM recording_exports').catch((e: Error) => (refused = e.message));
    expect(refused).to.include('append-only');
    const long = await operator.post(`/api/cameras/${continuousId}/recordings/exports`, {
      from,
      to: new Date(from.getTime() + 61_000),
    });
    expect(long.status).to.equal(422);
    expect(long.body.error.code).to.equal('range_too_long');
    expect((await stranger.get(`/api/recordings/exports/${made.body.id}/file`)).status).to.equal(404);
  });

  it('finds a segment deleted by hand: a gap, not a broken playlist', async () => {
    const { rows } = await t.api.services.db.query(
      'SELECT id, file, started_at FROM recording_segments WHERE camera_id = $1 ORDER BY started_at LIMIT 2',
      [continuousId],
    );
    await unlink(path.join(dir, rows[1].file));
    const pl = await operator.get(
      `/api/cameras/${continuousId}/recordings/playlist.m3u8?from=${rows[0].started_at.toISOString()}`,
    );
    expect(pl.status).to.equal(200);
    expect(pl.raw.toString()).not.to.include(`segments/${rows[1].id}.ts`);
    const gaps = await t.api.services.db.query(
      `SELECT reason FROM recording_gaps WHERE camera_id = $1 AND reason = 'file_missing'`,
      [continuousId],
    );
    expect(gaps.rowCount).to.equal(1);
    const seg = await fetch(`${t.api.url}/api/cameras/${continuousId}/recordings/segments/${rows[1].id}.ts`, {
      headers: { authorization: `Bearer ${operator.token}` },
    });
    expect(seg.status).to.equal(404);
  });

  it('attaches evidence of the cameras that see an incident, held until it closes', async () => {
    const dispatcher = await t.login(['dispatcher', 'operator'], [townId]);
    const reported = await dispatcher.post('/api/incidents', {
      subcategory: 'environment.garbage',
      description: '录像测试 垃圾',
      lon: 120.0151,
      lat: 30.0151,
    });
    expect(reported.status, JSON.stringify(reported.body)).to.equal(201);
    const id = reported.body.incident.id as number;
    const ev = await until(
      'evidence',
      async () => {
        const res = await operator.get(`/api/incidents/${id}/evidence`);
        return res.body.clips?.length ? res.body : undefined;
      },
      10_000,
    );
    expect(ev.clips[0].camera.id).to.equal(bufferId);
    expect(ev.clips[0].heldUntil).to.equal(null);
    const from = new Date(ev.clips[0].from).getTime();
    expect(new Date(ev.clips[0].to).getTime() - from).to.equal(180_000);
    // The buffer camera's pre-roll is there and now held from retention.
    expect(ev.clips[0].recordedS).to.be.greaterThan(2);
    await t.api.services.db.query(
      `UPDATE recording_segments SET keep_until = now() - interval '1 s' WHERE camera_id = $1`,
      [bufferId],
    );
    const before = await segmentCount(bufferId);
    // Expired segments outside the hold go; those inside it stay.
    await t.api.services.db.query(
      `INSERT INTO recording_segments (camera_id, stream, started_at, ended_at, bytes, file, run, keep_until, recorder)
       VALUES ($1, 'sub', now() - interval '2 hours', now() - interval '2 hours' + interval '1 s', 10, 'old/x.ts', 'old', now() - interval '1 h', 'test')`,
      [bufferId],
    );
    const { RecordingStorage } = await import('../../recordings/storage.js');
    // The leading recorder sweeps too (every 10 s): either sweep may be the one that deletes.
    await new RecordingStorage(t.api.services.db, t.api.services.recordings.config).sweep();
    expect(await segmentCount(bufferId)).to.be.at.least(before - 2);
    expect(
      (await t.api.services.db.query(`SELECT 1 FROM recording_segments WHERE file = 'old/x.ts'`)).rowCount,
    ).to.equal(0);
    for (const step of [
      { action: 'escalate' },
      { action: 'handle' },
      { action: 'verify', rating: 5 },
      { action: 'close' },
    ]) {
      const res = await dispatcher.post(`/api/incidents/${id}/actions`, { ...step, note: '录像测试' });
      expect(res.status, `${step.action}: ${JSON.stringify(res.body)}`).to.equal(200);
    }
    const held = await until(
      'hold ends after closing',
      async () => {
        const res = await operator.get(`/api/incidents/${id}/evidence`);
        return res.body.clips[0].heldUntil as string | undefined;
      },
      10_000,
    );
    // Closed + EVIDENCE_KEEP_DAYS (180 by default).
    expect(new Date(held).getTime() - Date.now()).to.be.closeTo(180 * 86_400_000, 60_000);
    expect((await stranger.get(`/api/incidents/${id}/evidence`)).status).to.equal(404);
  });

  it('records a gap when the camera is lost and resumes within 5 s of its return', async () => {
    const port = cam.port;
    await cam.stop();
    const lostAt = Date.now();
    await sleep(3000);
    cam = await RtspServerProcess.start({
      port,
      address: '127.0.0.1',
      name: 'rec-cam',
      username: 'viewer',
      password: 'pw:rec@1',
      main: STREAM,
      sub: STREAM,
      auth: 'digest',
    });
    const back = Date.now();
    const resumed = await until(
      'a segment after the return',
      async () => {
        const { rows } = await t.api.services.db.query(
          'SELECT started_at FROM recording_segments WHERE camera_id = $1 AND started_at > $2 ORDER BY started_at LIMIT 1',
          [continuousId, new Date(back)],
        );
        return rows[0]?.started_at as Date | undefined;
      },
      12_000,
    );
    expect(resumed.getTime() - back, 'resumed after the return').to.be.lessThan(5000);
    const gap = await t.api.services.db.query(
      `SELECT started_at, ended_at, reason FROM recording_gaps WHERE camera_id = $1 AND reason <> 'file_missing'
       AND ended_at >= $2`,
      [continuousId, new Date(lostAt)],
    );
    const around = await t.api.services.db.query(
      `SELECT run, started_at, ended_at FROM recording_segments WHERE camera_id = $1 AND ended_at > $2 ORDER BY started_at LIMIT 8`,
      [continuousId, new Date(lostAt - 3000)],
    );
    expect(
      gap.rowCount,
      `gap row; lost at ${new Date(lostAt).toISOString()}, back ${new Date(back).toISOString()}: ${JSON.stringify(around.rows)}`,
    ).to.be.greaterThan(0);
    expect(gap.rows[0].started_at.getTime()).to.be.lessThan(lostAt + 1500);
  });

  it('hands a killed recorder’s cameras to another within one lease period', async () => {
    const key = `${t.redisPrefix}:recorder:camera:${continuousId}`;
    const holder = await redis.get(key);
    const victim = recorders.find((r) => r.id === holder)!;
    const survivor = recorders.find((r) => r.id !== holder)!;
    await victim.kill('SIGKILL');
    const killed = Date.now();
    await until(
      'takeover',
      async () => ((await redis.get(key)) === survivor.id ? true : undefined),
      LEASE_MS * 2 + 2000,
    );
    const took = Date.now() - killed;
    expect(took, 'takeover ms').to.be.lessThan(LEASE_MS + LEASE_MS / 4 + 700);
    await until(
      'segments by the survivor',
      async () => {
        const { rowCount } = await t.api.services.db.query(
          'SELECT 1 FROM recording_segments WHERE camera_id = $1 AND recorder = $2 AND started_at > $3',
          [continuousId, survivor.id, new Date(killed)],
        );
        return rowCount ? true : undefined;
      },
      10_000,
    );
    expect(pidAlive(victim.child.pid!)).to.equal(false);
    expect(existsSync(dir)).to.equal(true);
  });
});
