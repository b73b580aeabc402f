// Reminders before a handoff's deadlines (催办) and the command room's 督办 reach the
// department holding the case, through the notification service with its clock moved and
// the fake SMS gateway: an in-app message on each of its accounts' streams (and nobody
// else's), an SMS to the department's phone. Quiet hours hold a reminder whose deadline
// comes after them, not one whose deadline comes first; accepting the case cancels the
// reminder still held; 督办 goes at once, each one; a second sweep writes nothing new.
import { expect } from 'chai';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { inGrid } from '../helpers/incidents.js';
import { orgTown, type OrgTown } from '../helpers/orgs.js';
import { EventStream } from '../helpers/sse.js';
import { FakeSmsGateway } from '../../scripts/simulators/sms-gateway/fake-gateway.js';
import { SMS_TEST_KEY, startNotifications, type RunningNotifications } from '../helpers/notifications.js';

const MIN = 60_000;
const ORG_PHONE = '13900000050';

describe('notifications: reminders and 督办 reach the department holding the case', function () {
  this.timeout(60_000);
  let t: TestApi;
  let town: OrgTown;
  let gateway: FakeSmsGateway;
  let notify: RunningNotifications;
  const streams: EventStream[] = [];
  // The moved clock starts now, inside quiet hours that end 1–2 hours later (town time, UTC+8).
  const base = new Date();
  const hour = (base.getUTCHours() + 8) % 24;
  const quietEnd = (() => {
    const local = new Date(base.getTime() + 8 * 3_600_000);
    local.setUTCHours(local.getUTCHours() + 2, 0, 0, 0);
    return new Date(local.getTime() - 8 * 3_600_000);
  })();
  let clock = base;

  const rows = async () =>
    (
      await t.api.services.db.query<{
        rule: string;
        channel: string;
        status: string;
        subject: string;
        account_id: number | null;
        phone: string | null;
        body: string;
      }>('SELECT rule, channel, status, subject, account_id, phone, body FROM notifications ORDER BY id')
    ).rows;
  const until = async (what: string, ok: (r: Awaited<ReturnType<typeof rows>>) => boolean) => {
    const end = Date.now() + 15_000;
    while (!ok(await rows())) {
      if (Date.now() > end) throw new Error(`waited in vain for ${what}: ${JSON.stringify(await rows())}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const send = async (at: Date) => {
    clock = at;
    await notify.module.services.notifications.sendDue();
  };
  /** A case of this subcategory handed to the 市场监管所, due to be accepted in `minutes`. */
  const handed = async (subcategory: string, minutes: number, col: number) => {
    await t.admin.put(`/api/handoff-deadlines/${subcategory}`, { acceptMinutes: minutes, finishMinutes: 7 * 1440 });
    const res = await town.room.post('/api/incidents', { subcategory, description: subcategory, ...inGrid(col, 1) });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const id = res.body.incident.id as number;
    const h = await town.room.post(`/api/incidents/${id}/handoffs`, { lead: 'T-scjgs' });
    expect(h.status, JSON.stringify(h.body)).to.equal(201);
    return { id, handoffId: h.body.handoffs[0].id as number };
  };

  before(async () => {
    t = await startTestApi('notify-handoffs');
    town = await orgTown(t);
    expect((await t.admin.patch(`/api/organisations/${town.org['T-scjgs']}`, { phone: ORG_PHONE })).status).to.equal(
      200,
    );
    gateway = await new FakeSmsGateway({
      ...SMS_TEST_KEY,
      now: () => clock,
    }).start();
    // As the workers process runs it; sending is driven here, on the moved clock.
    notify = await startNotifications(t, {
      leading: false,
      gateway,
      now: () => clock,
      env: {
        NOTIFY_QUIET_HOURS: `${hour}-${(hour + 2) % 24}`,
        NOTIFY_SMS_PER_HOUR: '10',
      },
    });
  });

  after(async () => {
    for (const s of streams) s.close();
    await notify?.stop();
    await gateway?.stop();
    await t?.close();
  });

  it('reminds the holder before its deadline, and 督办 reaches it at once', async () => {
    const listen = async (token: string | null) => {
      const stream = new EventStream(`${t.api.url}/api/live?topics=notifications`, token!);
      await stream.ready;
      streams.push(stream);
      return stream;
    };
    const [scjgsStream, zfzdStream] = await Promise.all([listen(town.scjgs.token), listen(town.zfzd.token)]);
    const a = await handed('market.food', 30, 0); // due before the quiet hours end
    const b = await handed('market.prices', 180, 1); // due after: its SMS waits
    const c = await handed('market.fake_drugs', 200, 2); // due after, accepted meanwhile

    const swept = await t.api.services.organisations.handoffs.sweep(base, 240);
    expect(swept.reminders).to.equal(3);
    // Each reminder: in the app for the department's account, an SMS to its phone.
    await until('six reminder rows', (r) => r.filter((x) => x.rule === 'handoff_reminder').length === 6);
    const scjgsId = town.accountIds.scjgs;
    expect(
      (await rows()).map((r) => `${r.channel}:${r.channel === 'sms' ? r.phone : r.account_id}`).sort(),
    ).to.deep.equal([...Array(3).fill(`in_app:${scjgsId}`), ...Array(3).fill(`sms:${ORG_PHONE}`)]);

    await send(base);
    // The SMS whose deadline comes before the quiet hours end went at once; the others wait.
    expect(
      gateway.received.map((m) => [m.phone, m.templateCode, m.params['incident'], m.params['step']]),
    ).to.deep.equal([[ORG_PHONE, 'SMS_WG_REMIND', String(a.id), '受理']]);
    expect(gateway.received[0]!.params['org']).to.equal('测试市场监管所');
    // In the app: the department's account hears all three, another department's nothing.
    const heard = await scjgsStream.next(
      () => scjgsStream.events.filter((e) => e.event === 'notifications').length === 3,
    );
    expect(heard.data.body).to.match(/测试市场监管所：交办事件#\d+/);
    expect(heard.data.accountId).to.equal(scjgsId);
    expect(zfzdStream.events.filter((e) => e.event === 'notifications')).to.deep.equal([]);
    const inbox = (await town.scjgs.get('/api/me/notifications')).body;
    expect(inbox.items.map((n: { rule: string }) => n.rule)).to.deep.equal(Array(3).fill('handoff_reminder'));
    expect(inbox.unread).to.equal(3);
    expect((await town.zfzd.get('/api/me/notifications')).body).to.deep.equal({ items: [], unread: 0 });

    // C is accepted during the quiet hours: its held SMS is cancelled.
    expect((await town.scjgs.post(`/api/incidents/${c.id}/handoffs/steps`, { action: 'accept' })).status).to.equal(200);
    await until('C cancelled', (r) =>
      r.some((x) => x.subject === `handoff:${c.handoffId}:accept` && x.channel === 'sms' && x.status === 'cancelled'),
    );

    // 督办 by the command room, twice: each goes at once, quiet hours or not.
    for (const note of ['今天下班前办结', '再次督办'])
      expect(
        (
          await town.room.post(`/api/incidents/${a.id}/handoffs/steer`, {
            handoffId: a.handoffId,
            action: 'urge',
            note,
          })
        ).status,
      ).to.equal(200);
    await until('two urges', (r) => r.filter((x) => x.rule === 'handoff_urged' && x.channel === 'sms').length === 2);
    await send(new Date(base.getTime() + MIN));
    expect(gateway.received.slice(1).map((m) => [m.templateCode, m.params['note']])).to.deep.equal([
      ['SMS_WG_URGE', '今天下班前办结'],
      ['SMS_WG_URGE', '再次督办'],
    ]);
    await scjgsStream.next((e) => e.event === 'notifications' && /督办/.test(e.data.body));

    // A second sweep (another leader, a retry) writes nothing new.
    const before = (await rows()).length;
    expect((await t.api.services.organisations.handoffs.sweep(base, 240)).reminders).to.equal(0);
    await new Promise((r) => setTimeout(r, 200));
    expect((await rows()).length).to.equal(before);

    // Just before the quiet hours end nothing more; at the end, B's reminder.
    await send(new Date(quietEnd.getTime() - MIN));
    expect(gateway.received).to.have.length(3);
    await send(quietEnd);
    expect(gateway.received.slice(3).map((m) => [m.at.toISOString(), m.params['incident']])).to.deep.equal([
      [quietEnd.toISOString(), String(b.id)],
    ]);
    expect(gateway.refused).to.deep.equal([]);
  });
});
