// The phone API the gridworker app uses, as its offline queue uses it: every write sent
// again with the same Idempotency-Key (or clientKey) does nothing twice and gets the
// first answer; a phone enrolled from the gridworker's account, its app version and last
// fix shown to the command room, a token re-issued (the old one dead at once); patrols
// with notes and photos, household visits.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { incidentTown, inGrid, type IncidentTown } from '../helpers/incidents.js';
import { HttpClient } from '../helpers/http.js';

const jpeg = () =>
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'color=c=green:s=32x32',
    '-frames:v',
    '1',
    '-f',
    'mjpeg',
    '-',
  ]);

describe('phone API: idempotent writes, phones admin, field work', function () {
  this.timeout(30_000);
  let t: TestApi;
  let town: IncidentTown;

  before(async () => {
    t = await startTestApi('phone-api');
    town = await incidentTown(t, 2);
  });
  after(() => t?.close());

  it('reports once however often the same Idempotency-Key is sent', async () => {
    const body = {
      subcategory: 'dispute.neighbour',
      description: '邻里纠纷，已调解',
      ...inGrid(0, 0),
      settledOnSpot: true,
    };
    const key = { 'idempotency-key': 'report-0001-abcdef' };
    const [first, second] = [
      await town.phone(0).post('/api/phone/incidents', body, key),
      await town.phone(0).post('/api/phone/incidents', body, key),
    ];
    expect(first.status).to.equal(201);
    expect(second.status).to.equal(201);
    expect(second.headers.get('idempotent-replayed')).to.equal('true');
    expect(second.body.incident.id).to.equal(first.body.incident.id);
    const { rows } = await t.api.services.db.query(
      "SELECT count(*)::int AS n FROM incidents WHERE description = '邻里纠纷，已调解'",
    );
    expect(rows[0].n).to.equal(1);
    // The same key for another route is refused, naming the header.
    const other = await town
      .phone(0)
      .post(`/api/phone/incidents/${first.body.incident.id}/actions`, { action: 'start' }, key);
    expect(other.status).to.equal(422);
    // A bad key is a 400 naming the header; a photo sent twice is stored once.
    const bad = await town.phone(0).post('/api/phone/incidents', body, { 'idempotency-key': 'x' });
    expect(bad.status).to.equal(400);
    expect(JSON.stringify(bad.body)).to.include('Idempotency-Key');
    const photoKey = { 'idempotency-key': 'photo-0001-abcdef', 'content-type': 'image/jpeg' };
    const photo = jpeg();
    const p1 = await town.phone(0).post(`/api/phone/incidents/${first.body.incident.id}/media`, photo, photoKey);
    const p2 = await town.phone(0).post(`/api/phone/incidents/${first.body.incident.id}/media`, photo, photoKey);
    expect([p1.status, p2.status]).to.deep.equal([201, 201]);
    expect(p2.body.id).to.equal(p1.body.id);
    const media = await t.api.services.db.query(
      'SELECT count(*)::int AS n FROM incident_media WHERE incident_id = $1',
      [first.body.incident.id],
    );
    expect(media.rows[0].n).to.equal(1);
  });

  it('enrols a phone from the account, shows its version and last fix, re-issues its token', async () => {
    const account = await t.login(['gridworker'], [town.townId]);
    const me = (await account.get('/api/auth/me')).body;
    const village = (await t.admin.get(`/api/people/${town.phones[0]!.personId}`)).body.villageCode;
    const made = await t.admin.post('/api/people', {
      name: '网格员账号',
      phone: '13800000099',
      roles: ['fulltime_gridworker'],
      villageCode: village,
      gridCodes: ['T2'],
      accountId: me.id,
    });
    expect(made.status, JSON.stringify(made.body)).to.equal(201);
    const person = made.body[0];
    const enrolled = await account.post('/api/phone/enrol', { name: '华为 Mate' });
    expect(enrolled.status, JSON.stringify(enrolled.body)).to.equal(201);
    const phone = new HttpClient(t.api.url, enrolled.body.token);
    const hello = await phone.get('/api/phone/me', { 'x-app-version': '1.2.3' });
    expect(hello.status).to.equal(200);
    expect(hello.body.name).to.equal(person.name);
    expect((await phone.request('PUT', '/api/phone/duty', { status: 'off_duty' })).body).to.deep.equal({
      dutyStatus: 'off_duty',
    });
    await phone.post('/api/positions/batch', { fixes: [{ time: Date.now(), ...inGrid(1, 0), accuracy: 5 }] });
    const installer = await t.login(['installer'], [town.townId]);
    const list = (await installer.get('/api/devices')).body as { id: number; appVersion: string; lastFixAt: string }[];
    const row = list.find((d) => d.id === enrolled.body.deviceId)!;
    expect(row.appVersion).to.equal('1.2.3');
    expect(row.lastFixAt).to.be.a('string');
    const again = await installer.post(`/api/devices/${row.id}/token`);
    expect(again.status).to.equal(201);
    expect((await phone.get('/api/phone/me')).status).to.equal(401);
    expect((await new HttpClient(t.api.url, again.body.token).get('/api/phone/me')).status).to.equal(200);
  });

  it('keeps a patrol with notes and photos, and household visits, once each', async () => {
    const phone = town.phone(0);
    const start = { clientKey: 'patrol-key-0001', startedAt: new Date().toISOString(), ...inGrid(0, 0) };
    expect((await phone.post('/api/phone/patrols', start)).status).to.equal(201);
    expect((await phone.post('/api/phone/patrols', start)).status).to.equal(201);
    const up = await phone.post('/api/phone/uploads', jpeg(), { 'content-type': 'image/jpeg' });
    expect(up.status).to.equal(201);
    const note = {
      clientKey: 'note-key-0001',
      at: new Date().toISOString(),
      note: '河道有漂浮物',
      media: [up.body.name],
    };
    await phone.post('/api/phone/patrols/patrol-key-0001/notes', note);
    const noted = await phone.post('/api/phone/patrols/patrol-key-0001/notes', note);
    expect(noted.body.notes).to.have.length(1);
    const missing = await phone.post('/api/phone/patrols/patrol-key-0001/notes', {
      ...note,
      clientKey: 'note-key-0002',
      media: ['0'.repeat(64) + '.jpg'],
    });
    expect(missing.status).to.equal(422);
    const stopped = await phone.post('/api/phone/patrols/patrol-key-0001/stop', { endedAt: new Date().toISOString() });
    expect(stopped.body.endedAt).to.be.a('string');
    const visit = {
      clientKey: 'visit-key-0001',
      at: new Date().toISOString(),
      household: '3号楼201 李大爷',
      note: '独居老人，身体好',
    };
    await phone.post('/api/phone/visits', visit);
    expect((await phone.post('/api/phone/visits', visit)).status).to.equal(201);
    const mine = (await phone.get('/api/phone/fieldwork')).body;
    expect(mine.patrols).to.have.length(1);
    expect(mine.visits).to.have.length(1);
    expect(mine.patrols[0].personName).to.equal('网格员1');
    const cr = (await town.dispatcher.get('/api/fieldwork')).body;
    expect(cr.visits[0].household).to.equal('3号楼201 李大爷');
    // Who walked them, named by the people domain.
    expect(cr.visits[0].personName).to.equal('网格员1');
    expect(stopped.body.personName).to.equal('网格员1');
  });
});
