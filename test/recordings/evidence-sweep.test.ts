// Evidence for an incident whose event no recorder heard: incidents are reported through
// the api while no recorder runs (nobody attaches evidence), then the workers' evidence
// sweep finds those with no evidence whose cameras have footage (encoded by ffmpeg and
// indexed as a recorder does) and holds it, once.
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { addFootage } from '../helpers/footage.js';
import type { HttpClient } from '../helpers/http.js';
import { publishTinyTown } from '../helpers/tiny-town.js';

const POINT = { lon: 120.015, lat: 30.015 };
const FAR = { lon: 120.025, lat: 30.025 };

describe('evidence sweep: incidents whose event no recorder heard get their footage', function () {
  this.timeout(60_000);
  let t: TestApi;
  let dir: string;
  let dispatcher: HttpClient;
  const saved = { ...process.env };
  const cams: Record<'recorded' | 'silent' | 'elsewhere', number> = { recorded: 0, silent: 0, elsewhere: 0 };

  // A kind of its own each time: two reports of one kind at one place are one incident.
  const kinds = [
    'environment.garbage',
    'environment.sewage',
    'services.streetlight',
    'market.unlicensed',
    'traffic.road_damage',
  ];
  const report = async (at: { lon: number; lat: number }, description: string) => {
    const res = await dispatcher.post('/api/incidents', { subcategory: kinds.shift(), description, ...at });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.merged, 'a new incident').to.not.equal(true);
    return res.body.incident.id as number;
  };
  const evidence = async (id: number) =>
    (await dispatcher.get(`/api/incidents/${id}/evidence`)).body.clips as {
      camera: { id: number };
      recordedS: number;
      heldUntil: string | null;
    }[];

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'wangge-sweep-'));
    process.env['RECORDINGS_DIR'] = dir;
    t = await startTestApi('evidence-sweep');
    const townId = await publishTinyTown(t);
    const sealed = t.api.services.box.seal('pw');
    let port = 0;
    const camera = async (name: string, at: { lon: number; lat: number }) => {
      const { rows } = await t.api.services.db.query<{ id: number }>(
        `INSERT INTO cameras (town_id, name, host, port, username, password_enc, main_stream_uri, sub_stream_uri)
         VALUES ($1, $2, '127.0.0.1', $3, 'u', $4, 'rtsp://127.0.0.1:1/main', 'rtsp://127.0.0.1:1/sub') RETURNING id`,
        [townId, name, 32000 + ++port, sealed],
      );
      const placed = await t.admin.put(`/api/cameras/${rows[0]!.id}/placement`, {
        lon: at.lon + 0.0005,
        lat: at.lat,
        hfovDeg: 360,
        rangeM: 150,
      });
      expect(placed.status, JSON.stringify(placed.body)).to.equal(200);
      return rows[0]!.id;
    };
    cams.recorded = await camera('有录像', POINT);
    cams.silent = await camera('无录像', POINT);
    cams.elsewhere = await camera('别处', FAR);
    // Footage around now for two cameras; the third that sees the point recorded nothing.
    await addFootage(t.api.services.db, dir, cams.recorded, Date.now() - 60_000);
    await addFootage(t.api.services.db, dir, cams.elsewhere, Date.now() - 60_000);
    dispatcher = await t.login(['dispatcher', 'operator'], [townId]);
  });

  after(async () => {
    await t?.close();
    process.env = saved;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('holds the footage of the cameras that saw an unheard incident and have some, once', async () => {
    const seen = await report(POINT, '无人听到的事件');
    const unseen = await report(FAR, '别处的事件'); // seen by the third camera only, which has footage
    const nowhere = await report({ lon: 120.005, lat: 30.005 }, '没有摄像机'); // no camera sees it
    // No recorder runs: nothing attached the evidence.
    expect(await evidence(seen)).to.deep.equal([]);
    const sweep = t.api.services.recordings.sweep!;
    const first = await sweep.run();
    expect(first).to.deep.include({ incidents: 2, clips: 2 });
    expect(first.checked).to.be.at.least(3);
    const clips = await evidence(seen);
    expect(clips.map((c) => c.camera.id)).to.deep.equal([cams.recorded]);
    expect(clips[0]!.heldUntil).to.equal(null); // open: held until it closes
    expect(clips[0]!.recordedS).to.be.greaterThan(60);
    expect((await evidence(unseen)).map((c) => c.camera.id)).to.deep.equal([cams.elsewhere]);
    expect(await evidence(nowhere)).to.deep.equal([]);
    // Again: nothing more to do.
    expect(await sweep.run()).to.deep.include({ incidents: 0, clips: 0 });
  });

  it('holds a closed incident’s evidence for the keep days, and leaves alone what is older than its hours', async () => {
    const closed = await report(POINT, '已办结的事件');
    await t.api.services.db.query(`UPDATE incidents SET state = 'closed', closed_at = now() WHERE id = $1`, [closed]);
    const old = await report(POINT, '七小时前的事件');
    await t.api.services.db.query(`UPDATE incidents SET reported_at = now() - interval '7 hours' WHERE id = $1`, [old]);
    const result = await t.api.services.recordings.sweep!.run();
    expect(result).to.deep.include({ incidents: 1, clips: 1 });
    const [clip] = await evidence(closed);
    expect(clip!.camera.id).to.equal(cams.recorded);
    expect(new Date(clip!.heldUntil!).getTime() - Date.now()).to.be.closeTo(180 * 86_400_000, 60_000);
    expect(await evidence(old)).to.deep.equal([]);
  });
});
