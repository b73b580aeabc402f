// The handoff loop (交办) through the API: the command room hands a case to the department
// its platform suggests, which returns it (退回, with the reason); handed again, accepted,
// fed back with a photo, closed (终结) by the command room, revisited with the rating and
// closed; every step in the incident's timeline with who and which organisation. Then
// deadlines with a moved clock: reminders before, yellow cards to the department after,
// the department league; and a case up to the county (上报), to a county department, and
// one handed down (下派) to the town.
import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { inGrid } from '../helpers/incidents.js';
import { orgTown, type OrgTown } from '../helpers/orgs.js';

const DAY = 86_400_000;

describe('organisations: handing cases to departments and the county', function () {
  this.timeout(60_000);
  let t: TestApi;
  let town: OrgTown;
  const jpeg = execFileSync('ffmpeg', [
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'color=c=green:s=16x16',
    '-frames:v',
    '1',
    '-f',
    'mjpeg',
    '-',
  ]);

  before(async () => {
    t = await startTestApi('handoffs');
    town = await orgTown(t);
  });
  after(() => t?.close());

  const report = async (subcategory: string, description: string) => {
    const res = await town.room.post('/api/incidents', { subcategory, description, ...inGrid(0, 0) });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.incident.id as number;
  };

  it('lists the town and county organisations to the town, and the members of one', async () => {
    const list = (await town.scjgs.get('/api/organisations')).body as { code: string; kind: string }[];
    expect(list.map((o) => o.code)).to.include.members(['T-cmd', 'T-scjgs', 'T-west', 'C-centre', 'C-hbj']);
    const detail = (await town.room.get(`/api/organisations/${town.org['T-scjgs']}`)).body;
    expect(detail.memberList.map((m: { duty: string }) => m.duty)).to.deep.equal(['handler']);
    const mine = (await town.zfzd.get('/api/me/organisations')).body as { code: string; duty: string }[];
    expect(mine.map((o) => `${o.code}:${o.duty}`)).to.deep.equal(['T-zfzd:head']);
    // A village organisation serves a village, not the town.
    const wrong = await t.admin.post('/api/organisations', {
      code: 'T-bad',
      name: '错',
      kind: 'village',
      areaCode: '990101001',
    });
    expect(wrong.status).to.equal(422);
  });

  it('runs a case through a department: handoff, return, handoff again, accept, feedback, close, revisit', async () => {
    const id = await report('market.unlicensed', '无证烧烤摊');
    const first = await town.room.get(`/api/incidents/${id}/handoffs`);
    expect(first.status).to.equal(200);
    // The platform of 无证经营 is 市场监管: its 市场监管所 is suggested first.
    expect(first.body.suggestions[0].code).to.equal('T-scjgs');

    // Handed to the wrong department, which returns it with the reason.
    let res = await town.room.post(`/api/incidents/${id}/handoffs`, { lead: 'T-zfzd', note: '请核查' });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect((await town.scjgs.get(`/api/incidents/${id}/handoffs`)).status).to.equal(404);
    const queue = (await town.zfzd.get('/api/handoffs')).body;
    expect(queue.items.map((i: { incidentId: number }) => i.incidentId)).to.deep.equal([id]);
    expect(queue.items[0].incident.description).to.equal('无证烧烤摊');
    const noReason = await town.zfzd.post(`/api/incidents/${id}/handoffs/steps`, { action: 'return' });
    expect(noReason.status).to.equal(400);
    res = await town.zfzd.post(`/api/incidents/${id}/handoffs/steps`, { action: 'return', note: '属市场监管职责' });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.handoffs[0].state).to.equal('returned');
    expect((await town.zfzd.get('/api/handoffs')).body.items).to.deep.equal([]);

    // Again, to the 市场监管所 with the 执法中队 helping.
    res = await town.room.post(`/api/incidents/${id}/handoffs`, { lead: 'T-scjgs', helpers: ['T-zfzd'] });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    // Another lead while one is open: refused.
    const twice = await town.room.post(`/api/incidents/${id}/handoffs`, { lead: 'T-west' });
    expect(twice.status).to.equal(409);
    // Feedback before accepting: refused.
    const early = await town.scjgs.post(`/api/incidents/${id}/handoffs/steps`, { action: 'feedback', note: '已处理' });
    expect(early.status).to.equal(409);
    res = await town.scjgs.post(`/api/incidents/${id}/handoffs/steps`, { action: 'accept' });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const photo = await town.scjgs.request('POST', `/api/incidents/${id}/handoffs/photos`, jpeg, {
      'content-type': 'image/jpeg',
    });
    expect(photo.status, JSON.stringify(photo.body)).to.equal(201);
    res = await town.scjgs.post(`/api/incidents/${id}/handoffs/steps`, {
      action: 'feedback',
      note: '已取缔，摊主已办证',
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const lead = res.body.handoffs.find(
      (h: { role: string; state: string }) => h.role === 'lead' && h.state === 'fed_back',
    );
    expect(lead.feedback).to.equal('已取缔，摊主已办证');

    // The command room closes (终结): the incident is handled, the helper's part ends too.
    res = await town.room.post(`/api/incidents/${id}/handoffs/steer`, { handoffId: lead.id, action: 'close' });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.handoffs.map((h: { state: string }) => h.state)).to.deep.equal(['returned', 'closed', 'closed']);
    let card = (await town.room.get(`/api/incidents/${id}`)).body;
    expect(card.incident.state).to.equal('handled');
    expect(card.incident.level).to.equal('town');
    expect(card.media.map((m: { stage: string }) => m.stage)).to.include('feedback');
    // The revisit with the rating, then 办结.
    for (const step of [{ action: 'verify', rating: 5 }, { action: 'close' }]) {
      res = await town.room.post(`/api/incidents/${id}/actions`, step);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
    }
    card = (await town.room.get(`/api/incidents/${id}`)).body;
    expect(card.incident.state).to.equal('closed');
    const steps = card.timeline.map(
      (e: { action: string; actor: { label: string } }) => `${e.action} ${e.actor.label}`,
    );
    const label = (kind: string) => steps.filter((s: string) => s.startsWith(kind));
    expect(label('handoff.handoff')).to.have.length(2);
    expect(label('handoff.return')[0]).to.contain('测试综合执法中队');
    expect(label('handoff.accept')[0]).to.contain('测试市场监管所');
    expect(label('handoff.feedback')[0]).to.contain('测试市场监管所');
    expect(steps.slice(-3).map((s: string) => s.split(' ')[0])).to.deep.equal(['handle', 'verify', 'close']);
  });

  it('gives the department that missed its deadlines a yellow card, after a reminder, at the time the sweep is told', async () => {
    const id = await report('environment.sewage', '工厂污水直排');
    await t.admin.put('/api/handoff-deadlines/environment.sewage', { acceptMinutes: 60, finishMinutes: 600 });
    const res = await town.room.post(`/api/incidents/${id}/handoffs`, { lead: 'T-zfzd' });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const h = res.body.handoffs[0];
    expect(Date.parse(h.finishDueAt) - Date.parse(h.acceptDueAt)).to.equal(540 * 60_000);
    const sweep = (ms: number) => t.api.services.organisations.handoffs.sweep(new Date(Date.now() + ms), 30);
    let swept = await sweep(40 * 60_000); // 20 minutes before the accept deadline: a reminder
    expect(swept.cards).to.have.length(0);
    expect(swept.reminders).to.equal(1);
    expect((await sweep(41 * 60_000)).reminders).to.equal(0); // once
    swept = await sweep(2 * 3600_000);
    expect(swept.cards.map((c) => `${c.kind} ${c.orgName}`)).to.deep.equal(['accept 测试综合执法中队']);
    expect((await sweep(3 * 3600_000)).cards).to.have.length(0); // never twice
    // Accepted late, then not finished in time.
    expect((await town.zfzd.post(`/api/incidents/${id}/handoffs/steps`, { action: 'accept' })).status).to.equal(200);
    swept = await sweep(DAY);
    expect(swept.cards.map((c) => c.kind)).to.deep.equal(['finish']);
    const after = (await town.room.get(`/api/incidents/${id}/handoffs`)).body;
    expect(after.handoffs[0].cards).to.deep.equal(['accept', 'finish']);
    expect(after.events.filter((e: { action: string }) => e.action === 'yellow_card')).to.have.length(2);
    // The league up to the moved clock's day (the cards are given at their deadlines).
    const to = new Date(Date.now() + 2 * DAY).toISOString();
    const league = (await town.room.get(`/api/stats/departments?to=${to}`)).body as {
      code: string;
      cards: number;
      returned: number;
      satisfaction: number | null;
    }[];
    const zfzd = league.find((r) => r.code === 'T-zfzd')!;
    expect(zfzd.cards).to.equal(2);
    expect(zfzd.returned).to.equal(1);
    expect(league.find((r) => r.code === 'T-scjgs')!.satisfaction).to.equal(5);
    // The cleanest department comes first.
    expect(league.findIndex((r) => r.code === 'T-scjgs')).to.be.lessThan(league.findIndex((r) => r.code === 'T-zfzd'));
    // 督办 by the command room reaches the timeline.
    expect(
      (
        await town.room.post(`/api/incidents/${id}/handoffs/steer`, {
          handoffId: h.id,
          action: 'urge',
          note: '今日办结',
        })
      ).status,
    ).to.equal(200);
    const timeline = (await town.room.get(`/api/incidents/${id}/timeline`)).body.timeline;
    expect(timeline.map((e: { action: string }) => e.action)).to.include('handoff.urge');
  });

  it('escalates to the county (上报), which hands it to a county department; and hands another down (下派)', async () => {
    const id = await report('environment.river', '跨镇河道污染');
    // County departments only through the county centre.
    expect((await town.room.post(`/api/incidents/${id}/handoffs`, { lead: 'C-hbj' })).status).to.equal(409);
    let res = await town.room.post(`/api/incidents/${id}/handoffs`, { lead: 'C-centre', note: '跨区域，镇级无法解决' });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.handoffs[0].kind).to.equal('escalation');
    expect((await town.room.get(`/api/incidents/${id}`)).body.incident.level).to.equal('city');
    const countyQueue = (await town.county.get('/api/handoffs?org=C-centre')).body.items;
    expect(countyQueue.map((i: { incidentId: number }) => i.incidentId)).to.include(id);
    expect((await town.county.post(`/api/incidents/${id}/handoffs/steps`, { action: 'accept' })).status).to.equal(200);
    res = await town.county.post(`/api/incidents/${id}/handoffs`, { lead: 'C-hbj' });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const hbj = res.body.handoffs.find((h: { org: { code: string } }) => h.org.code === 'C-hbj');
    expect(hbj.fromOrg.name).to.equal('测试区社会治理中心');
    // The town follows it, but what the county handed on is the county's to steer.
    expect(
      (await town.room.post(`/api/incidents/${id}/handoffs/steer`, { handoffId: hbj.id, action: 'urge' })).status,
    ).to.equal(403);
    expect((await town.hbj.post(`/api/incidents/${id}/handoffs/steps`, { action: 'accept' })).status).to.equal(200);
    expect(
      (await town.hbj.post(`/api/incidents/${id}/handoffs/steps`, { action: 'feedback', note: '已溯源整改' })).status,
    ).to.equal(200);
    res = await town.county.post(`/api/incidents/${id}/handoffs/steer`, { handoffId: hbj.id, action: 'close' });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect((await town.room.get(`/api/incidents/${id}`)).body.incident.state).to.equal('handled');
    const seen = (await town.room.get(`/api/incidents/${id}/handoffs`)).body;
    expect(
      seen.handoffs.map((h: { org: { code: string }; state: string }) => `${h.org.code}:${h.state}`),
    ).to.deep.equal(['C-centre:accepted', 'C-hbj:closed']);

    // 下派: the county hands a case it holds down to the town's command room.
    const down = await report('environment.air', '扬尘投诉（区级转办）');
    await town.room.post(`/api/incidents/${down}/handoffs`, { lead: 'C-centre' });
    await town.county.post(`/api/incidents/${down}/handoffs/steps`, { action: 'accept' });
    res = await town.county.post(`/api/incidents/${down}/handoffs`, { lead: 'T-cmd', note: '请镇里处理' });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const handdown = res.body.handoffs.find((h: { kind: string }) => h.kind === 'handdown');
    expect(handdown.org.code).to.equal('T-cmd');
    const roomQueue = (await town.room.get('/api/handoffs?org=T-cmd')).body.items;
    expect(roomQueue.map((i: { kind: string }) => i.kind)).to.include('handdown');
  });

  it('convenes several departments on one incident (会商) with a shared thread', async () => {
    const id = await report('illegal_building.new', '河边违建');
    let res = await town.room.post(`/api/incidents/${id}/consultations`, {
      orgs: ['T-zfzd', 'T-scjgs'],
      topic: '违建涉及经营户，联合处置',
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const cid = res.body[0].id as number;
    expect((await town.scjgs.get('/api/consultations')).body.map((c: { id: number }) => c.id)).to.include(cid);
    expect((await town.hbj.get(`/api/incidents/${id}/consultations`)).status).to.equal(404);
    res = await town.zfzd.post(`/api/incidents/${id}/consultations/messages`, {
      consultationId: cid,
      body: '明日联合执法',
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    res = await town.scjgs.post(`/api/incidents/${id}/consultations/messages`, {
      consultationId: cid,
      body: '同意，配合',
    });
    expect(res.body[0].messages.map((m: { org: string; body: string }) => `${m.org}:${m.body}`)).to.deep.equal([
      '测试综合执法中队:明日联合执法',
      '测试市场监管所:同意，配合',
    ]);
    expect(
      (await town.scjgs.post(`/api/incidents/${id}/consultations/messages`, { consultationId: cid, close: true }))
        .status,
    ).to.equal(403);
    res = await town.room.post(`/api/incidents/${id}/consultations/messages`, { consultationId: cid, close: true });
    expect(res.body[0].closedAt).to.not.equal(null);
    const timeline = (await town.room.get(`/api/incidents/${id}/timeline`)).body.timeline;
    expect(timeline.find((e: { action: string }) => e.action === 'consult').note).to.contain('测试市场监管所');
  });

  it('reclassifies and regrades an incident with the before and after in its timeline', async () => {
    const id = await report('environment.garbage', '其实是无证废品收购');
    const res = await town.room.post(`/api/incidents/${id}/reclassify`, {
      subcategory: 'market.unlicensed',
      severity: 3,
      note: '核实为无证经营',
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect([res.body.subcategoryCode, res.body.platform, res.body.severity]).to.deep.equal([
      'market.unlicensed',
      'shichang',
      3,
    ]);
    expect((await town.room.post(`/api/incidents/${id}/reclassify`, { subcategory: 'no.such' })).status).to.equal(422);
    expect((await town.scjgs.post(`/api/incidents/${id}/reclassify`, { severity: 1 })).status).to.equal(403);
    const step = (await town.room.get(`/api/incidents/${id}/timeline`)).body.timeline.find(
      (e: { action: string }) => e.action === 'reclassify',
    );
    expect(step.data.from).to.deep.equal({ subcategory: 'environment.garbage', platform: 'zhifa', severity: 1 });
    // The suggestion follows the new platform.
    expect((await town.room.get(`/api/incidents/${id}/handoffs`)).body.suggestions[0].code).to.equal('T-scjgs');
  });
});
