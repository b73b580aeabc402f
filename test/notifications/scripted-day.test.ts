// A scripted day of the tiny town, with the notification service's clock moved: real
// reports, real dispatch offers, a real escalation to the city and a real deadline sweep
// giving a yellow card that flags the grid. The fake SMS gateway (Aliyun's API, checking
// every signature) must receive exactly the messages the rules call for: the unanswered
// offer at once (urgent), the escalation at once, the card held through the quiet hours
// till 07:00, the flag held and then refused by the rate limit; an event heard twice
// writes nothing twice; receipts settle each message delivered or failed.
import { expect } from 'chai';
import type { TestApi } from '../helpers/api.js';
import { startTestApi } from '../helpers/api.js';
import { incidentTown, inGrid, runWorkers, FAST_DISPATCH, type IncidentTown } from '../helpers/incidents.js';
import type { RunningIncidentWorkers } from '../../incidents/incident-workers.js';
import { FakeSmsGateway } from '../../scripts/simulators/sms-gateway/fake-gateway.js';
import { SMS_TEST_KEY, startNotifications, type RunningNotifications } from '../helpers/notifications.js';
import { WEST } from '../helpers/tiny-town.js';

const TOWN_DAY = Date.parse('2026-12-07T00:00:00+08:00');
const at = (hh: number, mm = 0, day = 0) => new Date(TOWN_DAY + day * 86_400_000 + (hh * 60 + mm) * 60_000);

describe('notifications: a scripted day through the fake SMS gateway', function () {
  this.timeout(60_000);
  let t: TestApi;
  let town: IncidentTown;
  let workers: RunningIncidentWorkers;
  let gateway: FakeSmsGateway;
  let notify: RunningNotifications;
  let clock = at(9);

  const rows = async () =>
    (
      await t.api.services.db.query<{
        rule: string;
        channel: string;
        phone: string | null;
        status: string;
        subject: string;
        person_id: number | null;
        due_at: Date;
      }>('SELECT rule, channel, phone, status, subject, person_id, due_at FROM notifications ORDER BY id')
    ).rows;
  const until = async (what: string, ok: () => Promise<boolean>) => {
    const end = Date.now() + 15_000;
    while (!(await ok())) {
      if (Date.now() > end) throw new Error(`waited in vain for ${what}: ${JSON.stringify(await rows())}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  // Different kinds, so the second is not merged into the first.
  const report = async (subcategory: string, description: string) => {
    const res = await town.phone(0).post('/api/phone/incidents', { subcategory, description, ...inGrid(0, 0) });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.incident.id as number;
  };
  const pendingOffer = async (incidentId: number) => {
    const { rows: r } = await t.api.services.db.query<{ id: number; person_id: number }>(
      "SELECT id, person_id FROM dispatch_offers WHERE incident_id = $1 AND outcome = 'pending'",
      [incidentId],
    );
    return r[0];
  };

  before(async () => {
    t = await startTestApi('notify-day', { ...FAST_DISPATCH, OFFER_TIMEOUT_S: '300', YELLOW_CARDS_TO_FLAG: '1' });
    town = await incidentTown(t, 3);
    for (let i = 0; i < 3; i++) await town.place(i, inGrid(i, 0));
    workers = runWorkers(t);
    const head = await t.admin.post('/api/people', {
      name: '网格长老周',
      phone: '13900000010',
      roles: ['grid_head'],
      villageCode: WEST,
      gridCodes: ['T1'],
    });
    expect(head.status, JSON.stringify(head.body)).to.equal(201);
    for (const [role, name, phone] of [
      ['town_leader', '王镇长', '13900000020'],
      ['county_duty_officer', '区值班员', '13900000030'],
    ])
      expect(
        (await t.admin.put('/api/notification-contacts', { townId: town.townId, role, name, phone })).status,
      ).to.equal(204);
    gateway = await new FakeSmsGateway({
      ...SMS_TEST_KEY,
      failing: ['13900000030'],
      now: () => clock,
    }).start();
    // As the workers process runs it; sending is driven here, on the moved clock.
    notify = await startNotifications(t, {
      leading: false,
      gateway,
      now: () => clock,
      env: {
        NOTIFY_OFFER_UNANSWERED_S: '45',
        NOTIFY_QUIET_HOURS: '22-7',
        NOTIFY_SMS_PER_HOUR: '1',
      },
    });
  });

  after(async () => {
    await notify?.stop();
    await workers?.close();
    await gateway?.stop();
    await t?.close();
  });

  it('sends exactly what the rules call for, when they call for it', async () => {
    const send = async (when: Date) => {
      clock = when;
      await notify.module.services.notifications.sendDue();
    };

    // 09:00 two reports in T1. The first offer is accepted at once: its SMS is cancelled.
    const a = await report('environment.garbage', '垃圾堆放');
    await until('offer of A', async () => (await pendingOffer(a)) !== undefined);
    const offerA = (await pendingOffer(a))!;
    await until('offer SMS of A scheduled', async () => (await rows()).some((r) => r.subject === `offer:${offerA.id}`));
    const phoneA = town.phones.findIndex((p) => p.personId === offerA.person_id);
    expect((await town.phone(phoneA).post(`/api/phone/offers/${offerA.id}/accept`, {})).status).to.equal(200);
    await until('offer SMS of A cancelled', async () =>
      (await rows()).filter((r) => r.subject === `offer:${offerA.id}`).every((r) => r.status === 'cancelled'),
    );
    const b = await report('traffic.road_damage', '路面破损');
    await until('offer of B', async () => (await pendingOffer(b)) !== undefined);
    const offerB = (await pendingOffer(b))!;
    await until('offer SMS of B scheduled', async () => (await rows()).some((r) => r.subject === `offer:${offerB.id}`));
    await send(at(9, 0, 0));
    expect(gateway.received).to.have.length(0); // not yet 45 s
    await send(at(9, 1)); // B's offer unanswered for a minute: SMS to its gridworker

    // 12:00 the command room escalates A up to the city: the county's duty officer hears at once.
    clock = at(12);
    for (let i = 0; i < 3; i++) {
      const res = await town.dispatcher.post(`/api/incidents/${a}/actions`, { action: 'escalate', note: '上报' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
    }
    await until('escalation SMS scheduled', async () => (await rows()).some((r) => r.rule === 'escalated'));
    await send(at(12, 0));

    // 23:30 the deadline sweep (three real days later): B never accepted → a yellow card,
    // which flags T1 (one card flags here). Quiet hours: the SMS wait for 07:00.
    clock = at(23, 30);
    const cards = await t.api.services.incidents.deadlines.sweep(new Date(Date.now() + 3 * 86_400_000));
    expect(cards).to.be.greaterThan(0);
    await until('card and flag scheduled', async () => {
      const r = await rows();
      return r.some((x) => x.rule === 'yellow_card' && x.channel === 'sms') && r.some((x) => x.rule === 'grid_flagged');
    });
    await send(at(23, 31));
    const beforeMorning = gateway.received.length;
    // The same card heard again (a second workers process, a replay): nothing new.
    const countBefore = (await rows()).length;
    await t.api.services.incidents.deadlines.sweep(new Date(Date.now() + 3 * 86_400_000));
    await new Promise((r) => setTimeout(r, 300));
    expect((await rows()).length).to.equal(countBefore);

    await send(at(6, 59, 1));
    expect(gateway.received.length).to.equal(beforeMorning);
    await send(at(7, 0, 1));

    const offeree = town.phones.find((p) => p.personId === offerB.person_id)!;
    const offereePhone = (await t.admin.get(`/api/people/${offeree.personId}`)).body.phone as string;
    expect(gateway.received.map((m) => [m.at.toISOString(), m.phone, m.templateCode])).to.deep.equal([
      [at(9, 1).toISOString(), offereePhone, 'SMS_WG_OFFER'],
      [at(12).toISOString(), '13900000030', 'SMS_WG_ESCALATE'],
      [at(7, 0, 1).toISOString(), '13900000010', 'SMS_WG_CARD'],
      [at(7, 0, 1).toISOString(), '13900000020', 'SMS_WG_CARD'],
    ]);
    expect(gateway.received.every((m) => m.signName === '网格天眼')).to.equal(true);
    expect(gateway.received[0]!.params['name']).to.be.a('string').and.not.equal('');
    expect(gateway.refused).to.deep.equal([]);
    const flag = (await rows()).find((r) => r.rule === 'grid_flagged')!;
    expect(flag.status).to.equal('rate_limited'); // the town leader had one SMS this hour already

    // Receipts: delivered, except the number the gateway cannot reach.
    clock = at(7, 5, 1);
    await notify.module.services.notifications.pollReceipts();
    const sms = (await rows()).filter(
      (r) => r.channel === 'sms' && r.status !== 'cancelled' && r.status !== 'rate_limited',
    );
    expect(sms.map((r) => [r.phone, r.status]).sort()).to.deep.equal(
      [
        [offereePhone, 'delivered'],
        ['13900000010', 'delivered'],
        ['13900000020', 'delivered'],
        ['13900000030', 'failed'],
      ].sort(),
    );
    // What the command room sees, and the grid head's in-app message.
    const list = await town.dispatcher.get('/api/notifications');
    expect(list.status).to.equal(200);
    expect(list.body.length).to.equal((await rows()).length);
    expect(list.body.find((n: { rule: string }) => n.rule === 'yellow_card').body).to.match(/T1|网格/);
  });

  it('refuses a request signed with the wrong secret, as Aliyun does', async () => {
    const { AliyunSms } = await import('../../notifications/aliyun-sms.js');
    const wrong = new AliyunSms(gateway.url, { ...SMS_TEST_KEY, accessKeySecret: 'nope' }, '网格天眼');
    let code = '';
    await wrong.send('13900000099', 'SMS_WG_OFFER', {}, clock).catch((e: { code: string }) => (code = e.code));
    expect(code).to.equal('SignatureDoesNotMatch');
  });
});
