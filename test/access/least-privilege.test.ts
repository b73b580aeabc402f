// What each role sees of what it may read, and what a town's admin may do: phone
// numbers and citizens' contact for the command room only, device identifiers for
// those who set phones up, made-up identifiers nobody can guess, rejections of one's
// own towns, and an admin of some towns kept inside them.
import { expect } from 'chai';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { twoTowns, type TwoTowns } from '../helpers/two-towns.js';
import { EventStream } from '../helpers/sse.js';
import { sleep } from '../helpers/system.js';

describe("least privilege: what each role sees and what a town's admin may do", function () {
  this.timeout(60_000);
  let t: TestApi;
  let towns: TwoTowns;

  before(async () => {
    t = await startTestApi('least-privilege');
    towns = await twoTowns(t);
  });
  after(async () => t?.close());

  it("shows a person's phone number to the command room and the person, their phone's identifier to those who set phones up and the person", async () => {
    const { A } = towns;
    const read = async (role: 'admin' | 'operator' | 'installer' | 'gridworker', id = A.personId) =>
      (await A.accounts[role].client.get(`/api/people/${id}`)).body;
    const [admin, operator, self] = [await read('admin'), await read('operator'), await read('gridworker')];
    expect(admin).to.include({ phone: '13800000001' });
    expect(admin.devices[0].identifier).to.match(/^MARKA-phone-/);
    expect(operator).to.include({ phone: '13800000001' });
    expect(operator.devices[0]).to.include({ identifier: null });
    const installer = await read('installer');
    expect(installer).to.include({ phone: null });
    expect(installer.devices[0].identifier).to.match(/^MARKA-phone-/);
    expect(self).to.include({ phone: '13800000001' });
    expect(self.devices[0].identifier).to.match(/^MARKA-phone-/);
    // Not the colleague's record, nor the list.
    expect((await A.accounts.gridworker.client.get(`/api/people/${A.otherPersonId}`)).status).to.equal(403);
    expect((await A.accounts.gridworker.client.get('/api/people')).status).to.equal(403);
    expect((await A.accounts.planner.client.get('/api/people')).status).to.equal(403);
    const listed = (await A.accounts.dispatcher.client.get('/api/people')).body as {
      phone: string | null;
      devices: { identifier: string | null }[];
    }[];
    expect(listed.map((p) => p.phone)).to.have.members(['13800000001', '13800000002']);
    expect(listed.flatMap((p) => p.devices.map((d) => d.identifier))).to.deep.equal([null]);
  });

  it("shows a citizen's contact to the command room, not to the gridworker sent to the incident", async () => {
    const { A } = towns;
    const key = (await t.admin.post('/api/open311/clients', { name: '12345', townCode: A.townCode })).body
      .apiKey as string;
    const filed = await fetch(`${t.api.url}/open311/v2/requests.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        api_key: key,
        service_code: 'dispute.family',
        description: '家里吵架',
        lat: String(A.point.lat),
        long: String(A.point.lon),
        phone: '13912345678',
        first_name: '王',
      }),
    });
    expect(filed.status).to.equal(200);
    const id = Number((await filed.json())[0].service_request_id);
    const offered = await A.accounts.dispatcher.client.post(`/api/incidents/${id}/dispatch`, { personId: A.personId });
    expect(offered.status, JSON.stringify(offered.body)).to.equal(200);
    const accepted = await t.anonymous.post(
      `/api/phone/offers/${offered.body.offer.id}/accept`,
      {},
      { authorization: `Bearer ${A.deviceToken}` },
    );
    expect(accepted.status, JSON.stringify(accepted.body)).to.equal(200);

    const asDispatcher = await A.accounts.dispatcher.client.get(`/api/incidents/${id}`);
    expect(asDispatcher.body.reports[0].contact).to.deep.equal({ phone: '13912345678', first_name: '王' });
    const asGridworker = await A.accounts.gridworker.client.get(`/api/incidents/${id}`);
    expect(asGridworker.status, JSON.stringify(asGridworker.body)).to.equal(200);
    expect(asGridworker.body.reports[0].contact).to.equal(null);
    expect(asGridworker.raw.toString()).not.to.include('13912345678');
    // A planner sees the queue (the map), never a card.
    expect((await A.accounts.planner.client.get(`/api/incidents/${id}`)).status).to.equal(403);
    expect((await A.accounts.planner.client.get('/api/incidents')).raw.toString()).not.to.include('13912345678');
  });

  it('makes up a device identifier nobody can guess when none is typed, and it works for OsmAnd', async () => {
    const { A } = towns;
    // An installer sets the phones up (an admin may too).
    const made = await A.accounts.installer.client.post(`/api/people/${A.otherPersonId}/devices`, [
      { name: '平安通' },
      { name: '备用机' },
    ]);
    expect(made.status, JSON.stringify(made.body)).to.equal(201);
    const [one, two] = (made.body as { device: { identifier: string } }[]).map((d) => d.device.identifier);
    expect(one).to.match(/^wg[0-9a-f]{24}$/);
    expect(two)
      .to.match(/^wg[0-9a-f]{24}$/)
      .and.not.equal(one);
    const fix = await fetch(
      `${t.api.osmandUrl}/?${new URLSearchParams({ id: one!, lat: String(A.point.lat), lon: String(A.point.lon), timestamp: String(Math.floor(Date.now() / 1000)) })}`,
    );
    expect(fix.status).to.equal(200);
    // A typed one (the phone's own) is still taken as it is.
    const typed = await t.admin.post(`/api/people/${A.otherPersonId}/devices`, { identifier: '867530912345678' });
    expect(typed.body[0].device.identifier).to.equal('867530912345678');
  });

  it("lists refused fixes of the caller's towns only, with identifiers for those who set phones up", async () => {
    const { A, B } = towns;
    // A fix from the future, from each town's phone: kept as clock_ahead and counted.
    for (const f of [A, B]) {
      const identifier = (await t.admin.get(`/api/people/${f.personId}`)).body.devices[0].identifier as string;
      await fetch(
        `${t.api.osmandUrl}/?${new URLSearchParams({ id: identifier, lat: String(f.point.lat), lon: String(f.point.lon), timestamp: String(Math.floor(Date.now() / 1000) + 86_400) })}`,
      );
    }
    await t.api.services.rejections.flush();
    const operator = (await A.accounts.operator.client.get('/api/positions/rejections')).body;
    expect(operator.devices.map((r: { personName: string }) => r.personName)).to.deep.equal(['MARKA网格员']);
    expect(operator.devices[0].deviceRef).to.equal(null);
    expect(operator).not.to.have.any.keys('sinceStart', 'writer');
    for (const role of ['admin', 'installer'] as const) {
      const rows = (await A.accounts[role].client.get('/api/positions/rejections')).body.devices as {
        deviceRef: string;
      }[];
      expect(
        rows.map((r) => r.deviceRef),
        role,
      ).to.have.length(1);
      expect(rows[0]!.deviceRef, role).to.match(/^MARKA-phone-/);
    }
    const everyTown = (await t.admin.get('/api/positions/rejections')).body;
    expect(everyTown.devices.map((r: { personName: string }) => r.personName)).to.have.members([
      'MARKA网格员',
      'MARKB网格员',
    ]);
  });

  it('streams incidents live to the roles that may list them, not to an installer or a gridworker', async () => {
    const { A } = towns;
    const url = `${t.api.url}/api/live?topics=incidents,positions`;
    const listen = async (role: 'dispatcher' | 'planner' | 'installer' | 'gridworker') => {
      const stream = new EventStream(url, A.accounts[role].client.token!);
      await stream.ready;
      return stream;
    };
    const streams = {
      dispatcher: await listen('dispatcher'),
      planner: await listen('planner'),
      installer: await listen('installer'),
      gridworker: await listen('gridworker'),
    };
    const made = await A.accounts.dispatcher.client.post('/api/incidents', {
      subcategory: 'public_order.fight',
      description: `${A.mark} 打架`,
      ...A.point,
    });
    expect(made.status, JSON.stringify(made.body)).to.equal(201);
    const id = made.body.incident.id as number;
    const about = (e: { event: string; data: { incident?: { id: number } } }) =>
      e.event === 'incidents' && e.data.incident?.id === id;
    await streams.dispatcher.next(about);
    await streams.planner.next(about);
    await sleep(500);
    expect(streams.installer.events.filter((e) => e.event === 'incidents')).to.deep.equal([]);
    expect(streams.gridworker.events.filter((e) => e.event === 'incidents')).to.deep.equal([]);
    for (const s of Object.values(streams)) s.close();
  });

  it('keeps an admin of a town inside it: accounts, the account list, Open311 keys, areas and the taxonomy', async () => {
    const { A, B } = towns;
    const admin = A.accounts.admin.client;
    const account = (extra: object) =>
      admin.post('/api/accounts', {
        username: `x${Date.now()}${Math.random()}`.replace('.', ''),
        displayName: 'x',
        password: 'long-enough-pw',
        roles: ['operator'],
        townIds: [A.townId],
        ...extra,
      });
    expect((await account({})).status).to.equal(201);
    const refused = [
      await account({ allTowns: true }),
      await account({ roles: ['admin'] }),
      await account({ townIds: [B.townId] }),
      await account({ townIds: [A.townId, B.townId] }),
      await account({ townIds: [] }),
    ];
    expect(refused.map((r) => r.status)).to.deep.equal([403, 403, 403, 403, 403]);
    expect(refused[0]!.body.error.message).to.match(/admin of every town/);

    const names = ((await admin.get('/api/accounts')).body as { displayName: string }[]).map((a) => a.displayName);
    expect(names.some((n) => n.startsWith('MARKA'))).to.equal(true);
    expect(names.filter((n) => n.startsWith('MARKB') || n === '系统管理员')).to.deep.equal([]);

    expect((await admin.post('/api/open311/clients', { name: 'x', townCode: A.townCode })).status).to.equal(201);
    expect((await admin.post('/api/open311/clients', { name: 'x', townCode: B.townCode })).status).to.equal(403);
    expect((await admin.post('/api/open311/clients', { name: 'x' })).status).to.equal(403);
    const clients = (await admin.get('/api/open311/clients')).body.clients as { townCode: string | null }[];
    expect(clients.every((c) => c.townCode === A.townCode)).to.equal(true);
    expect((await admin.delete(`/api/open311/clients/${B.open311ClientId}`)).status).to.equal(404);

    const feature = (code: string, level: string, parent: string, x0: number) => ({
      type: 'Feature',
      properties: { code, name: `${code}名`, level, parent_code: parent, synthetic: true },
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [x0, 30],
            [x0 + 0.01, 30],
            [x0 + 0.01, 30.01],
            [x0, 30.01],
            [x0, 30],
          ],
        ],
      },
    });
    const areas = (...features: object[]) => admin.post('/api/areas/import', { type: 'FeatureCollection', features });
    expect((await areas(feature(`${A.townCode}202`, 'village', A.townCode, 120))).status).to.equal(200);
    expect((await areas(feature(`${B.townCode}202`, 'village', B.townCode, 120.05))).status).to.equal(403);
    expect((await areas(feature(B.villageCode, 'village', A.townCode, 120))).status).to.equal(403); // moving B's village into A
    expect((await areas(feature('990101009', 'town', '990101', 120.2))).status).to.equal(403); // a new town
    expect((await areas(feature('990102', 'district', '9901', 120.2))).status).to.equal(403);
    expect((await t.admin.get(`/api/areas/${B.townCode}202`)).status).to.equal(404);

    const taxonomy = await admin.patch('/api/incident-types/dispute.family', { severity: 4 });
    expect(taxonomy.status).to.equal(403);
    expect((await t.admin.patch('/api/incident-types/dispute.family', { severity: 4 })).status).to.equal(200);
  });
});
