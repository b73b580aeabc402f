import { expect } from 'chai';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { FAST_DISPATCH, incidentTown, inGrid, runWorkers, type IncidentTown } from '../helpers/incidents.js';
import type { RunningIncidentWorkers } from '../../incidents/incident-workers.js';
import { sleep } from '../helpers/system.js';

const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 7)]);

describe('incidents: intake, dispatch to the nearest gridworker, the closed loop', () => {
  let t: TestApi;
  let town: IncidentTown;
  let workers: RunningIncidentWorkers;

  before(async () => {
    t = await startTestApi('dispatch', FAST_DISPATCH);
    town = await incidentTown(t, 4);
    workers = runWorkers(t);
  });
  after(async () => {
    await workers.close();
    await t.close();
  });

  /** Everyone off duty except the listed phones, each placed where given. */
  async function standing(...placed: [number, { lon: number; lat: number }][]) {
    for (const p of town.phones) await t.admin.put(`/api/people/${p.personId}/duty`, { status: 'off_duty' });
    for (const [i, at] of placed) {
      await town.place(i, at);
      await t.admin.put(`/api/people/${town.phones[i]!.personId}/duty`, { status: 'on_duty' });
    }
  }

  it("routes a phone report to its platform and offers it to the grid's own gridworker, live on the phone", async () => {
    // Phone 0 serves T1 and stands at its edge; phone 1 (serving T2) stands closer to the incident.
    await standing([0, inGrid(0, 0, -0.004, 0)], [1, inGrid(0, 0, 0.002, 0)]);
    const stream0 = await town.listen(0);
    const res = await town.phone(1).post('/api/phone/incidents', {
      subcategory: 'environment.garbage',
      description: '河边垃圾成堆',
      ...inGrid(0, 0),
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const incident = res.body.incident;
    expect(incident).to.include({
      gridCode: 'T1',
      platform: 'zhifa',
      state: 'reported',
      source: 'gridworker',
      subcategoryName: '垃圾乱堆乱放',
    });
    expect(new Date(incident.acceptDueAt).getTime() - new Date(incident.reportedAt).getTime()).to.equal(2 * 86_400_000);
    expect(new Date(incident.finishDueAt).getTime() - new Date(incident.reportedAt).getTime()).to.equal(7 * 86_400_000);

    const offer = await stream0.next((e) => e.event === 'offers' && e.data.incident?.id === incident.id);
    expect(offer.data.distanceM).to.be.within(350, 450);
    stream0.close();
    const card = await town.dispatcher.get(`/api/incidents/${incident.id}`);
    expect(card.body.incident.state).to.equal('dispatched');
    expect(card.body.offers.map((o: { personId: number }) => o.personId)).to.deep.equal([town.phones[0]!.personId]);

    const accepted = await town.phone(0).post(`/api/phone/offers/${offer.data.offerId}/accept`, { note: '马上到' });
    expect(accepted.status, JSON.stringify(accepted.body)).to.equal(200);
    expect(accepted.body.state).to.equal('accepted');
    expect(accepted.body.assignee.personId).to.equal(town.phones[0]!.personId);
    const person = await t.admin.get(`/api/people/${town.phones[0]!.personId}`);
    expect(person.body.dutyStatus).to.equal('busy');

    // The other gridworker cannot take it any more.
    const second = await town.phone(1).post(`/api/phone/offers/${offer.data.offerId}/accept`);
    expect(second.status).to.equal(404);

    // Through the loop, with feedback photos and the revisit's rating.
    expect(
      (await town.phone(0).post(`/api/phone/incidents/${incident.id}/actions`, { action: 'start' })).status,
    ).to.equal(200);
    const photo = await town
      .phone(0)
      .request('POST', `/api/phone/incidents/${incident.id}/media`, JPEG, { 'content-type': 'image/jpeg' });
    expect(photo.status, JSON.stringify(photo.body)).to.equal(201);
    expect(photo.body).to.include({ kind: 'photo', stage: 'feedback', bytes: JPEG.length });
    expect(
      (await town.phone(0).post(`/api/phone/incidents/${incident.id}/actions`, { action: 'handle', note: '已清理' }))
        .body.state,
    ).to.equal('handled');
    expect((await t.admin.get(`/api/people/${town.phones[0]!.personId}`)).body.dutyStatus).to.equal('on_duty');
    const noRating = await town.phone(0).post(`/api/phone/incidents/${incident.id}/actions`, { action: 'verify' });
    expect(noRating.status).to.equal(400);
    expect(
      (
        await town
          .phone(0)
          .post(`/api/phone/incidents/${incident.id}/actions`, { action: 'verify', rating: 5, note: '群众满意' })
      ).body.state,
    ).to.equal('verified');
    const gridworkerClose = await town
      .phone(0)
      .post(`/api/phone/incidents/${incident.id}/actions`, { action: 'close' });
    expect(gridworkerClose.status).to.equal(400); // not a phone action at all
    const closed = await town.dispatcher.post(`/api/incidents/${incident.id}/actions`, {
      action: 'close',
      note: '办结',
    });
    expect(closed.body).to.include({ state: 'closed', rating: 5 });

    const detail = (await town.dispatcher.get(`/api/incidents/${incident.id}`)).body;
    expect(detail.timeline.map((e: { action: string }) => e.action)).to.deep.equal([
      'report',
      'dispatch',
      'accept',
      'start',
      'media',
      'handle',
      'verify',
      'close',
    ]);
    expect(detail.timeline[2].actor).to.include({ kind: 'phone', personId: town.phones[0]!.personId });
    expect(detail.timeline[7].actor.kind).to.equal('account');
    expect(detail.deadlines.map((d: { outcome: string }) => d.outcome)).to.deep.equal(['met', 'met']);
    const image = await town.dispatcher.get(`/api/incidents/${incident.id}/media/${photo.body.id}`);
    expect(image.headers.get('content-type')).to.equal('image/jpeg');
    expect(image.raw.equals(JPEG)).to.equal(true);
  });

  it("prefers the nearest gridworker when the grid's own is too far, and asks the next after a decline and a timeout, then escalates", async () => {
    // Nobody serves T9 (people serve T1..T4); three stand at 300 m, 600 m and 900 m.
    await standing([0, inGrid(2, 2, 0.0031, 0)], [1, inGrid(2, 2, 0.0062, 0)], [2, inGrid(2, 2, 0.0093, 0)]);
    const streams = await Promise.all([0, 1, 2].map((i) => town.listen(i)));
    const res = await town.dispatcher.post('/api/incidents', {
      subcategory: 'traffic.road_damage',
      description: '路面塌陷',
      ...inGrid(2, 2),
    });
    expect(res.status).to.equal(201);
    const id = res.body.incident.id;
    expect(res.body.incident.source).to.equal('operator');

    const first = await streams[0]!.next((e) => e.event === 'offers' && e.data.incident?.id === id);
    expect(
      (await town.phone(0).post(`/api/phone/offers/${first.data.offerId}/decline`, { note: '在处理别的事' })).status,
    ).to.equal(200);
    const second = await streams[1]!.next((e) => e.event === 'offers' && e.data.incident?.id === id);
    expect(second.data.distanceM).to.be.greaterThan(first.data.distanceM);
    // Phone 1 lets it run out (1.5 s); phone 2 is asked, lets it run out too: three misses.
    await streams[2]!.next((e) => e.event === 'offers' && e.data.incident?.id === id, 6000);
    const late = await town.phone(1).post(`/api/phone/offers/${second.data.offerId}/accept`);
    expect(late.status).to.equal(409);
    const deadline = Date.now() + 8000;
    let state = '';
    while (Date.now() < deadline && state !== 'escalated') {
      await sleep(200);
      state = (await town.dispatcher.get(`/api/incidents/${id}`)).body.incident.state;
    }
    expect(state).to.equal('escalated');
    const detail = (await town.dispatcher.get(`/api/incidents/${id}`)).body;
    expect(detail.offers.map((o: { outcome: string }) => o.outcome)).to.deep.equal(['declined', 'expired', 'expired']);
    expect(detail.incident.level).to.equal('town');
    for (const s of streams) s.close();

    // The dispatcher then sends someone by hand from the list of the nearest.
    const candidates = (await town.dispatcher.get(`/api/incidents/${id}/candidates`)).body.candidates;
    expect(candidates.map((c: { personId: number }) => c.personId).slice(0, 3)).to.deep.equal(
      [0, 1, 2].map((i) => town.phones[i]!.personId),
    );
    expect(candidates[0].distanceM).to.be.within(250, 350);
    const byHand = await town.dispatcher.post(`/api/incidents/${id}/dispatch`, { personId: town.phones[2]!.personId });
    expect(byHand.status, JSON.stringify(byHand.body)).to.equal(200);
    expect(byHand.body.offer).to.include({ personId: town.phones[2]!.personId, byHand: true });
    const tasks = (await town.phone(2).get('/api/phone/tasks')).body;
    expect(tasks.offers.map((o: { incidentId: number }) => o.incidentId)).to.include(id);
  });

  it('merges a second report of the same thing nearby into the open incident, and not a different kind', async () => {
    await standing();
    const a = await town.dispatcher.post('/api/incidents', {
      subcategory: 'fire.outbreak',
      description: '仓库冒烟',
      ...inGrid(1, 1),
    });
    const b = await town.phone(3).post('/api/phone/incidents', {
      subcategory: 'fire.outbreak',
      description: '看到火光',
      ...inGrid(1, 1, 0.001, 0),
    });
    const c = await town.dispatcher.post('/api/incidents', {
      subcategory: 'traffic.jam',
      description: '堵车',
      ...inGrid(1, 1),
    });
    expect(b.status).to.equal(201);
    expect(b.body.merged).to.equal(true);
    expect(b.body.incident.id).to.equal(a.body.incident.id);
    expect(b.body.incident.reportCount).to.equal(2);
    expect(c.body.merged).to.equal(false);
    const detail = (await town.dispatcher.get(`/api/incidents/${a.body.incident.id}`)).body;
    expect(detail.reports.map((r: { description: string }) => r.description)).to.deep.equal(['仓库冒烟', '看到火光']);
    expect(detail.timeline.map((e: { action: string }) => e.action)).to.include('report_merged');
    // The command room may still merge by hand what intake kept apart (the card offers it).
    expect(detail.actions).to.include('merge');
    // Fire is urgent: accept within 5 minutes.
    expect(new Date(a.body.incident.acceptDueAt).getTime() - new Date(a.body.incident.reportedAt).getTime()).to.equal(
      5 * 60_000,
    );
  });

  it('files a report sent again with the same Idempotency-Key once, and answers the retry with the first answer', async () => {
    const report = { subcategory: 'environment.garbage', description: '路边垃圾堆积', ...inGrid(2, 2) };
    const key = { 'idempotency-key': `report-form-${Date.now()}` };
    const [first, again] = [
      await town.dispatcher.post('/api/incidents', report, key),
      await town.dispatcher.post('/api/incidents', report, key),
    ];
    expect(first.status).to.equal(201);
    expect(again.status).to.equal(201);
    expect(again.headers.get('idempotent-replayed')).to.equal('true');
    expect(again.body.incident.id).to.equal(first.body.incident.id);
    const detail = (await town.dispatcher.get(`/api/incidents/${first.body.incident.id}`)).body;
    expect(detail.reports, 'one report, not a second merged in').to.have.length(1);
    // Another key is another report: merged into the same open incident, as intake does.
    const other = await town.dispatcher.post('/api/incidents', report, {
      'idempotency-key': `${key['idempotency-key']}-b`,
    });
    expect(other.body.merged).to.equal(true);
    expect(
      (await town.dispatcher.post('/api/incidents', report, { 'idempotency-key': 'short' })).body.error.details,
    ).to.deep.equal({ header: 'Idempotency-Key' });
  });

  it('makes a burst of reports of one gas leak, written together, into one incident with every report', async () => {
    await standing();
    const fire = Array.from({ length: 30 }, (_, i) =>
      town.dispatcher.post('/api/incidents', {
        subcategory: 'work_safety.gas',
        description: `燃气泄漏 ${i}`,
        ...inGrid(2, 2, 0.0002 * (i % 3), 0),
      }),
    );
    const elsewhere = Array.from({ length: 6 }, (_, i) =>
      town.dispatcher.post('/api/incidents', {
        subcategory: 'environment.garbage',
        description: `垃圾 ${i}`,
        ...inGrid(i % 3, 0, 0, 0),
      }),
    );
    const fires = await Promise.all(fire);
    const others = await Promise.all(elsewhere);
    expect(fires.map((r) => r.status)).to.deep.equal(Array(30).fill(201));
    const ids = new Set(fires.map((r) => r.body.incident.id as number));
    expect(ids.size, 'one incident for the leak').to.equal(1);
    expect(fires.filter((r) => !r.body.merged)).to.have.length(1);
    const detail = (await town.dispatcher.get(`/api/incidents/${[...ids][0]}`)).body;
    expect(detail.incident.reportCount).to.equal(30);
    expect(detail.reports).to.have.length(30);
    expect(detail.timeline.filter((e: { action: string }) => e.action === 'report_merged')).to.have.length(29);
    expect(detail.deadlines).to.have.length(2);
    // Garbage in three grids, two reports each: three incidents, each with its own deadlines.
    const byGrid = new Map<string, Set<number>>();
    for (const r of others)
      byGrid.set(r.body.incident.gridCode, (byGrid.get(r.body.incident.gridCode) ?? new Set()).add(r.body.incident.id));
    expect([...byGrid.values()].map((s) => s.size)).to.deep.equal([1, 1, 1]);
  });

  it('records a report settled on the spot as closed without dispatching it', async () => {
    await standing([0, inGrid(0, 1)]);
    const res = await town.phone(0).post('/api/phone/incidents', {
      subcategory: 'dispute.neighbour',
      description: '邻里噪音纠纷，已调解',
      ...inGrid(0, 1),
      settledOnSpot: true,
    });
    expect(res.body.incident).to.include({ state: 'closed', settledOnSpot: true });
    await sleep(700);
    const detail = (await town.dispatcher.get(`/api/incidents/${res.body.incident.id}`)).body;
    expect(detail.offers).to.have.length(0);
    expect(detail.timeline.map((e: { action: string }) => e.action)).to.deep.equal(['report', 'settle']);
  });

  it("refuses illegal transitions, others' tasks and bad input with a reason", async () => {
    await standing([0, inGrid(1, 0)]);
    const stream = await town.listen(0);
    const made = await town.dispatcher.post('/api/incidents', {
      subcategory: 'services.streetlight',
      description: '路灯不亮',
      ...inGrid(1, 0),
    });
    const id = made.body.incident.id;
    const offer = await stream.next((e) => e.event === 'offers' && e.data.incident?.id === id);
    stream.close();
    const early = await town.dispatcher.post(`/api/incidents/${id}/actions`, { action: 'close' });
    expect(early.status).to.equal(409);
    expect(early.body.error.code).to.equal('illegal_transition');
    expect(early.body.error.message).to.contain('dispatched');
    const notMine = await town.phone(1).post(`/api/phone/incidents/${id}/actions`, { action: 'start' });
    expect(notMine.status).to.equal(409); // dispatched cannot be started by anyone
    await town.phone(0).post(`/api/phone/offers/${offer.data.offerId}/accept`);
    const stranger = await town.phone(1).post(`/api/phone/incidents/${id}/actions`, { action: 'start' });
    expect(stranger.status).to.equal(403);

    const cases: [string, unknown, number, string][] = [
      [
        'unknown subcategory',
        { subcategory: 'fire.dragon', description: 'x', ...inGrid(0, 0) },
        422,
        'unknown_subcategory',
      ],
      [
        'outside every town',
        { subcategory: 'fire.outbreak', description: 'x', lon: 121, lat: 31 },
        422,
        'outside_towns',
      ],
      [
        'latitude out of range',
        { subcategory: 'fire.outbreak', description: 'x', lon: 120, lat: 95 },
        400,
        'invalid_input',
      ],
      ['no description', { subcategory: 'fire.outbreak', description: '  ', ...inGrid(0, 0) }, 400, 'invalid_input'],
      [
        'unknown field',
        { subcategory: 'fire.outbreak', description: 'x', ...inGrid(0, 0), priority: 9 },
        400,
        'invalid_input',
      ],
    ];
    for (const [what, body, status, code] of cases) {
      const res = await town.dispatcher.post('/api/incidents', body);
      expect(res.status, what).to.equal(status);
      expect(res.body.error.code, what).to.equal(code);
    }
    const notImage = await town.dispatcher.request(
      'POST',
      `/api/incidents/${id}/media`,
      Buffer.from('<html>not a photo</html>'),
      { 'content-type': 'image/jpeg' },
    );
    expect(notImage.status).to.equal(422);
    const wrongType = await town.dispatcher.request('POST', `/api/incidents/${id}/media`, JPEG, {
      'content-type': 'application/pdf',
    });
    expect(wrongType.status).to.equal(415);
    const huge = await town.dispatcher.request(
      'POST',
      `/api/incidents/${id}/media`,
      Buffer.concat([JPEG, Buffer.alloc(21 * 1024 * 1024)]),
      { 'content-type': 'image/jpeg' },
    );
    expect(huge.status).to.equal(413);
    const noToken = await t.anonymous.post('/api/phone/incidents', {
      subcategory: 'fire.outbreak',
      description: 'x',
      ...inGrid(0, 0),
    });
    expect(noToken.status).to.equal(401);
    const otherTown = await t.login(['operator'], []);
    expect((await otherTown.get(`/api/incidents/${id}`)).status).to.equal(404);
    expect(
      (await otherTown.post('/api/incidents', { subcategory: 'fire.outbreak', description: 'x', ...inGrid(0, 0) }))
        .status,
    ).to.equal(403);
    // Nothing half-written: the refused reports left no incidents behind.
    const all = (await town.dispatcher.get('/api/incidents?limit=1000')).body;
    expect(all.items.every((i: { description: string }) => i.description !== 'x')).to.equal(true);
  });

  it('attaches a stream pushed from the scene to the incident', async () => {
    const made = await town.dispatcher.post('/api/incidents', {
      subcategory: 'disaster.dike',
      description: '堤坝渗水',
      ...inGrid(2, 1),
    });
    const source = await town.dispatcher.post('/api/live-sources', { name: '无人机 1', townCode: '990101001' });
    expect(source.status, JSON.stringify(source.body)).to.equal(201);
    const attached = await town.dispatcher.post(`/api/incidents/${made.body.incident.id}/live-sources`, {
      liveSourceId: source.body.id,
    });
    expect(attached.status, JSON.stringify(attached.body)).to.equal(200);
    expect(
      attached.body.liveSources.map((l: { id: number; name: string; live: boolean }) => [l.id, l.name, l.live]),
    ).to.deep.equal([[source.body.id, '无人机 1', false]]);
    expect(attached.body.timeline.map((e: { action: string }) => e.action)).to.include('live_source');
    const unknown = await town.dispatcher.post(`/api/incidents/${made.body.incident.id}/live-sources`, {
      liveSourceId: 999999,
    });
    expect(unknown.status).to.equal(404);
  });

  it("lets an admin change a subcategory's deadlines and routing; the queue lists most severe first", async () => {
    const patched = await t.admin.patch('/api/incident-types/services.suggestion', {
      platform: 'zongzhi',
      acceptMinutes: 30,
      finishMinutes: 60,
    });
    expect(patched.body).to.include({ platform: 'zongzhi', acceptMinutes: 30, finishMinutes: 60 });
    const bad = await t.admin.patch('/api/incident-types/services.suggestion', {
      acceptMinutes: 120,
      finishMinutes: 60,
    });
    expect(bad.status).to.equal(422);
    const types = (await town.dispatcher.get('/api/incident-types')).body.categories;
    expect(types).to.have.length(10);
    expect(types.flatMap((c: { subcategories: unknown[] }) => c.subcategories)).to.have.length(42);
    const queue = (await town.dispatcher.get(`/api/incidents?open=true`)).body.items as { severity: number }[];
    expect(queue.length).to.be.greaterThan(1);
    expect(queue.map((i) => i.severity)).to.deep.equal([...queue.map((i) => i.severity)].sort((a, b) => b - a));
  });
});
