// Several hosts behave as one: two api processes and two workers processes, started the
// way a deployment starts them, on one PostgreSQL database and one Redis. Every request
// goes over HTTP to one instance or the other, as a load balancer would send it.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { cpuSeconds, startCluster, type Cluster, type Everywhere } from '../helpers/cluster.js';
import type { HttpAnswer, HttpClient } from '../helpers/http.js';
import { EventStream } from '../helpers/sse.js';
import { FAST_DISPATCH, untilDispatched } from '../helpers/incidents.js';
import { inGrid } from '../helpers/roster.js';
import { EAST, ORIGIN, STEP, TOWN, WEST, square, tinyTownAreas, tinyTownGrids } from '../helpers/tiny-town.js';
import { sleep, until } from '../helpers/system.js';
import { SimulatedCamera } from '../../scripts/simulators/camera/simulated-camera.js';

const run = promisify(execFile);
const PASSWORD = 'Scale-Cam-4417';
const PEOPLE = 4;

/** ffmpeg processes reading from `port` (the camera's RTSP), with their parent's pid. */
async function ffmpegReading(port: number): Promise<{ pid: number; ppid: number }[]> {
  const { stdout } = await run('ps', ['-eo', 'pid=,ppid=,args=']);
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, , cmd, ...args]) => /ffmpeg$/.test(cmd ?? '') && args.some((a) => a.includes(`:${port}/`)))
    .map(([pid, ppid]) => ({ pid: Number(pid), ppid: Number(ppid) }));
}

describe('two api and two workers processes on one database and one Redis behave as one', function () {
  // Starting four processes takes most of it: ~10 s on a quiet machine, 70 s at load 24.
  this.timeout(180_000);
  let c: Cluster;
  let db: pg.Pool;
  let camera: SimulatedCamera;
  let townId: number;
  let operator: Everywhere;
  let dispatcher: Everywhere;
  let phones: { personId: number; token: string; via: Everywhere }[];
  const streams: EventStream[] = [];
  const clock = new Map<number, number>();
  const ok = (res: HttpAnswer, status = 200) => expect(res.status, JSON.stringify(res.body)).to.equal(status);
  const live = (via: HttpClient, path: string) => {
    const s = new EventStream(`${via.baseUrl}${path}`, via.token!);
    streams.push(s);
    return s;
  };
  /** A fix from phone i through `via`; times only move forward per phone. */
  const fix = (i: number, via: HttpClient, at: { lon: number; lat: number }) => {
    const time = Math.max(Date.now(), (clock.get(i) ?? 0) + 1000);
    clock.set(i, time);
    return via.post('/api/positions/batch', { fixes: [{ time, lon: at.lon, lat: at.lat, accuracy: 5 }] });
  };

  before(async () => {
    const started = Date.now();
    [c, camera] = await Promise.all([
      startCluster('scale', { env: { ...FAST_DISPATCH, OFFER_TIMEOUT_S: '600', CAMERA_TIMEOUT_MS: '3000' } }),
      SimulatedCamera.start({
        name: '镇口球机',
        ptz: true,
        username: 'admin',
        password: PASSWORD,
        onvifPort: 0,
        rtspPort: 0,
        discovery: false,
      }),
    ]);
    const cpu = [...c.apis.map((a) => a.child.pid), ...c.workers.map((w) => w.child.pid)].map(cpuSeconds);
    console.log(
      `      two api and two workers processes up in ${Date.now() - started} ms ` +
        `(CPU ${cpu.map((s) => s.toFixed(1)).join(' + ')} s)`,
    );
    db = new pg.Pool({ connectionString: c.db.url, max: 3 });
    const [admin] = c.admin;
    ok(await admin!.post('/api/areas/import', tinyTownAreas()));
    const plan = (await admin!.post('/api/plans', { scopeCode: TOWN, title: 'grids' })).body.id;
    ok(await admin!.put(`/api/plans/${plan}/grids`, tinyTownGrids()));
    ok(await admin!.post(`/api/plans/${plan}/publish`));
    townId = (await admin!.get(`/api/areas/${TOWN}`)).body.id;
    const people = await admin!.post(
      '/api/people',
      Array.from({ length: PEOPLE }, (_, i) => ({
        name: `网格员${i + 1}`,
        phone: `1390000000${i}`,
        roles: ['fulltime_gridworker'],
        villageCode: i % 3 === 2 ? EAST : WEST,
        gridCodes: [`T${i + 1}`],
        dutyStatus: 'on_duty',
      })),
    );
    ok(people, 201);
    phones = [];
    for (const [i, person] of (people.body as { id: number }[]).entries()) {
      const device = await admin!.post(`/api/people/${person.id}/devices`, {
        identifier: `phone-${i}`,
        name: 'Android',
      });
      ok(device, 201);
      phones.push({ personId: person.id, token: device.body[0].token, via: c.as(device.body[0].token) });
    }
    [operator, dispatcher] = await Promise.all([
      c.login(['operator'], [townId]),
      c.login(['dispatcher', 'operator'], [townId]),
    ]);
  });

  after(async () => {
    for (const s of streams) s.close();
    await db?.end();
    await c?.close();
    await camera?.stop();
    const redis = new Redis(process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/15');
    const keys = c ? await redis.keys(`${c.redisPrefix}:*`) : [];
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  describe('cameras', () => {
    let cameraId: number;

    before(async () => {
      const installer = await c.login(['installer'], [townId]);
      const res = await installer[1]!.post('/api/cameras', {
        name: '镇口',
        host: '127.0.0.1',
        port: Number(new URL(camera.xaddr).port),
        username: 'admin',
        password: PASSWORD,
        townCode: TOWN,
        placement: { lon: ORIGIN.lon + 1.5 * STEP, lat: ORIGIN.lat + 1.5 * STEP, rangeM: 500 },
      });
      ok(res, 201);
      cameraId = res.body.id;
    });

    it('runs a relay started through one instance once, and the other serves it by proxy', async () => {
      const [a, b] = operator;
      const first = await a!.post(`/api/cameras/${cameraId}/live`, { stream: 'sub' });
      ok(first);
      expect(first.body.state).to.equal('live');
      expect(first.body.owner, 'the first instance runs it itself').to.equal(undefined);
      const second = await b!.post(`/api/cameras/${cameraId}/live`, { stream: 'sub' });
      ok(second);
      expect(second.body.owner, 'the second instance names the owner').to.equal(c.apis[0]!.url);
      expect(second.body.playlist).to.equal(first.body.playlist);

      // A player on the second instance gets the owner's playlist and segments through it.
      const playlist = await b!.get(second.body.playlist);
      ok(playlist);
      expect(playlist.body).to.match(/^#EXTM3U/);
      const segment = String(playlist.body)
        .split('\n')
        .find((l: string) => l && !l.startsWith('#'))!;
      const media = await b!.get(second.body.playlist.replace('index.m3u8', segment));
      ok(media);
      expect(media.raw.length).to.be.above(1000);

      // One ffmpeg for the stream, a child of the first api process.
      const rtspPort = Number(new URL(camera.rtspUrl('sub')).port);
      const relays = await ffmpegReading(rtspPort);
      expect(relays).to.have.length(1);
      expect(relays[0]!.ppid).to.equal(c.apis[0]!.child.pid);
    });

    it('holds the PTZ lock taken through one instance against a steerer on the other', async () => {
      const other = await c.login(['operator'], [townId]);
      const move = { type: 'relative', translation: { x: 0.05, y: 0, zoom: 0 } };
      ok(await operator[0]!.post(`/api/cameras/${cameraId}/ptz`, move));
      const refused = await other[1]!.post(`/api/cameras/${cameraId}/ptz`, move);
      expect(refused.status).to.equal(409);
      expect(refused.body.error.code).to.equal('ptz_locked');
      expect((await other[1]!.get(`/api/cameras/${cameraId}/ptz/lock`)).body.lock.username).to.match(/^operator-/);
      // Given up on the second instance, taken by the other operator on the first.
      expect((await operator[1]!.delete(`/api/cameras/${cameraId}/ptz/lock`)).status).to.equal(204);
      ok(await other[0]!.post(`/api/cameras/${cameraId}/ptz`, move));
      expect((await operator[1]!.post(`/api/cameras/${cameraId}/ptz`, move)).status).to.equal(409);
    });
  });

  describe('state shared through PostgreSQL and Redis', () => {
    it('brings an event that happened on one instance to live subscribers of both', async () => {
      const onA = live(operator[0]!, '/api/live?topics=positions,incidents');
      const onB = live(operator[1]!, '/api/live?topics=positions,incidents');
      await Promise.all([onA.ready, onB.ready]);
      const { personId } = phones[0]!;
      ok(await fix(0, phones[0]!.via[0]!, inGrid(0, 0)));
      const moved = (e: { event: string; data: { items?: { personId: number }[] } }) =>
        e.event === 'positions' && !!e.data.items?.some((p) => p.personId === personId);
      await Promise.all([onA.next(moved), onB.next(moved)]);

      const made = await dispatcher[1]!.post('/api/incidents', {
        subcategory: 'environment.sewage',
        description: '两个实例都要看到',
        ...inGrid(1, 1),
      });
      ok(made, 201);
      const id = made.body.incident.id as number;
      const reported = (e: { event: string; data: { incident?: { id: number } } }) =>
        e.event === 'incidents' && e.data.incident?.id === id;
      await Promise.all([onA.next(reported), onB.next(reported)]);
      // The other instance's roster has the fix too.
      const roster = await operator[1]!.get(`/api/towns/${TOWN}/on-duty`);
      expect(roster.body.people.find((p: { personId: number }) => p.personId === personId).gridCode).to.equal('T1');
    });

    it('refreshes the grid index of both instances when a plan is published on one', async () => {
      // T5 (the centre) split in two: its east half becomes a new grid, T10.
      const at = { lon: ORIGIN.lon + 1.75 * STEP, lat: ORIGIN.lat + 1.5 * STEP };
      const gridOf = async (personId: number) =>
        (
          await db.query<{ code: string }>(
            `SELECT v.code FROM positions p JOIN grid_versions v ON v.id = p.grid_version_id
              WHERE p.person_id = $1 ORDER BY p.fix_time DESC LIMIT 1`,
            [personId],
          )
        ).rows[0]?.code;
      const [admin] = c.admin;
      const { personId } = phones[1]!;
      ok(await fix(1, phones[1]!.via[1]!, at));
      expect(await gridOf(personId)).to.equal('T5');

      const grids = tinyTownGrids();
      const t5 = grids.features.find((f) => f.properties.code === 'T5')!;
      t5.geometry = square(ORIGIN.lon + STEP, ORIGIN.lat + STEP, STEP / 2, STEP);
      grids.features.push({
        type: 'Feature',
        properties: { ...t5.properties, code: 'T10', name: '测试网格10' },
        geometry: square(ORIGIN.lon + 1.5 * STEP, ORIGIN.lat + STEP, STEP / 2, STEP),
      });
      const plan = (await admin!.post('/api/plans', { scopeCode: TOWN, title: 'T5 split' })).body.id;
      ok(await admin!.put(`/api/plans/${plan}/grids`, grids));
      ok(await admin!.post(`/api/plans/${plan}/publish`));
      const published = Date.now();

      // The next fixes go to the other instance; the publication reaches it through Redis,
      // long before its 30 s poll would.
      const landed = await until(
        'a fix on the other instance in the new grid',
        async () => {
          ok(await fix(1, phones[1]!.via[1]!, at));
          return (await gridOf(personId)) === 'T10';
        },
        5000,
      );
      expect(landed).to.equal(true);
      expect(Date.now() - published).to.be.below(5000);
      ok(await fix(1, phones[1]!.via[0]!, at));
      expect(await gridOf(personId)).to.equal('T10');
    });

    it('offers each of many incidents, reported through both instances, exactly once with two workers processes', async () => {
      const listening = phones.map((p, i) => {
        const via = p.via[i % 2]!; // half the phones on each instance
        return live(via, '/api/phone/live');
      });
      await Promise.all(listening.map((s) => s.ready));
      await Promise.all(phones.map((_, i) => fix(i, phones[i]!.via[i % 2]!, inGrid(i % 3, 2))));
      const N = 40;
      const ids = await Promise.all(
        Array.from({ length: N }, async (_, i) => {
          const res = await dispatcher[i % 2]!.post('/api/incidents', {
            subcategory: 'services.elderly',
            description: `走访 ${i}`,
            ...inGrid(i % 3, 2, (i - N / 2) * 0.0002, 0.0003),
          });
          ok(res, 201);
          return res.body.incident.id as number;
        }),
      );
      expect(ids).to.have.length(N);
      await untilDispatched(db, ids);
      await sleep(1000); // the leader's sweeps and the outbox run meanwhile: still nothing doubled
      const { rows: offers } = await db.query<{ incident_id: string; person_id: string; outcome: string }>(
        `SELECT incident_id, person_id, outcome FROM dispatch_offers WHERE incident_id = ANY($1)`,
        [ids],
      );
      expect(offers).to.have.length(N);
      expect(new Set(offers.map((o) => Number(o.incident_id))).size).to.equal(N);
      expect(offers.every((o) => o.outcome === 'pending')).to.equal(true);
      const { rows: steps } = await db.query(
        `SELECT count(*)::int AS n FROM incident_history WHERE incident_id = ANY($1) AND action = 'dispatch'`,
        [ids],
      );
      expect(steps[0].n).to.equal(N);
      // Each offer reached its gridworker's phone, whichever instance the phone is connected to.
      for (const o of offers) {
        const i = phones.findIndex((p) => p.personId === Number(o.person_id));
        await listening[i]!.next((e) => e.event === 'offers' && e.data.incident?.id === Number(o.incident_id), 10_000);
      }
      const pushed = listening.flatMap((s) => s.events.filter((e) => e.event === 'offers' && e.data.incident));
      const perIncident = new Map<number, number>();
      for (const e of pushed) perIncident.set(e.data.incident.id, (perIncident.get(e.data.incident.id) ?? 0) + 1);
      expect(
        [...perIncident.values()].every((n) => n === 1),
        'each offer pushed once',
      ).to.equal(true);
    });
  });

  describe('an instance killed', () => {
    it('loses nothing an instance answered 2xx when it is killed; clients carry on with the other', async () => {
      const [a, b] = [0, 1];
      const target = (alive: boolean[]) => (alive[a] ? a : b);
      const alive = [true, true];
      const accepted: { deviceIndex: number; time: number }[] = [];
      const sent: { deviceIndex: number; time: number }[] = [];
      const incidents: { id: number; description: string; via: number }[] = [];
      const descriptions: string[] = [];
      let stop = false;
      // Each phone sends 3 fixes a request; on a refused connection it sends the same batch to the other instance.
      const phoneLoop = async (i: number) => {
        let time = Math.max(Date.now(), (clock.get(i) ?? 0) + 1000);
        while (!stop) {
          const fixes = [0, 1, 2].map((k) => ({
            time: time + k * 1000,
            ...inGrid(i % 3, 0, k * 0.0001, 0),
            accuracy: 5,
          }));
          time += 3000;
          fixes.forEach((f) => sent.push({ deviceIndex: i, time: f.time }));
          for (;;) {
            const via = target(alive);
            const res = await phones[i]!.via[via]!.post('/api/positions/batch', { fixes }).catch(() => null);
            if (res && res.status === 200) {
              fixes.forEach((f) => accepted.push({ deviceIndex: i, time: f.time }));
              break;
            }
            alive[via] = false;
          }
        }
        clock.set(i, time);
      };
      const reportLoop = async (loop: number) => {
        for (let n = 0; !stop; n++) {
          const description = `断电报修 ${loop}-${n}`;
          descriptions.push(description);
          for (;;) {
            const via = target(alive);
            const res = await dispatcher[via]!.post('/api/incidents', {
              subcategory: 'services.elderly',
              description,
              ...inGrid(n % 3, 1),
            }).catch(() => null);
            if (res && res.status === 201) {
              incidents.push({ id: res.body.incident.id, description, via });
              break;
            }
            alive[via] = false;
          }
        }
      };
      const loops = [...phones.map((_, i) => phoneLoop(i)), reportLoop(1), reportLoop(2)];
      await until(
        'both kinds answered 2xx by the first instance',
        async () => (accepted.length > 20 && incidents.filter((x) => x.via === a).length > 5 ? true : false),
        20_000,
      );
      await c.apis[a]!.kill('SIGKILL');
      await until(
        'the clients to carry on with the other instance',
        async () => (incidents.some((x) => x.via === b) ? true : false),
        20_000,
      );
      await sleep(500);
      stop = true;
      await Promise.all(loops);

      // Every fix the first instance answered is stored, and the retried ones too.
      const { rows } = await db.query<{ person_id: string; t: string }>(
        `SELECT person_id, (extract(epoch FROM fix_time) * 1000)::bigint AS t FROM positions WHERE person_id = ANY($1)`,
        [phones.map((p) => p.personId)],
      );
      const stored = new Set(rows.map((r) => `${r.person_id}@${r.t}`));
      const missing = sent.filter((f) => !stored.has(`${phones[f.deviceIndex]!.personId}@${f.time}`));
      expect(missing, 'fixes sent and never stored').to.deep.equal([]);
      expect(accepted.length).to.equal(sent.length);

      // Every report answered 201 is stored with the incident it was answered with (a report
      // near an open incident of its kind is merged into it), and the retried ones too.
      const { rows: kept } = await db.query<{ incident_id: string; description: string }>(
        `SELECT incident_id, description FROM incident_reports WHERE description LIKE '断电报修 %'`,
      );
      // (A report the killed instance stored but never answered is there twice: intake has no idempotency key.)
      const incidentsOf = new Map<string, number[]>();
      for (const r of kept)
        incidentsOf.set(r.description, [...(incidentsOf.get(r.description) ?? []), Number(r.incident_id)]);
      for (const x of incidents) expect(incidentsOf.get(x.description), x.description).to.include(x.id);
      expect(descriptions.filter((d) => !incidentsOf.has(d))).to.deep.equal([]);
      console.log(
        `      ${accepted.length} fixes and ${incidents.length} reports answered ` +
          `(${incidents.filter((x) => x.via === a).length} by the killed instance); ${kept.length} reports stored`,
      );
    });
  });
});
