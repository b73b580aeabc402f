// A department's inbox at the web app: the command room's 督办 reaches the 市场监管所's
// account as in-app messages, listed newest first with the incident they are about and
// an unread count; the account marks some read, then all; a message not yet sent is not
// in it; nobody marks another's messages (their ids are ignored, the answer the same as
// for no such message); a bad body is a 400 naming the field.
import { expect } from 'chai';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { handedCase, orgTown, type OrgTown } from '../helpers/orgs.js';
import { startNotifications, type RunningNotifications } from '../helpers/notifications.js';

interface Inbox {
  items: { id: number; rule: string; body: string; incidentId: number | null; at: string; readAt: string | null }[];
  unread: number;
}

describe('notifications: an account reads its inbox and marks messages read', function () {
  this.timeout(60_000);
  let t: TestApi;
  let town: OrgTown;
  let notify: RunningNotifications;
  let incidentId: number;
  let handoffId: number;

  const inboxOf = async (who: OrgTown['scjgs']): Promise<Inbox> => {
    const res = await who.get('/api/me/notifications');
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body as Inbox;
  };
  const urgeRows = async () =>
    Number(
      (await t.api.services.db.query(`SELECT count(*) FROM notifications WHERE rule = 'handoff_urged'`)).rows[0].count,
    );
  /** 督办 by the command room; resolves when the hook has written its message (not yet sent). */
  const urge = async (note: string) => {
    const before = await urgeRows();
    const res = await town.room.post(`/api/incidents/${incidentId}/handoffs/steer`, {
      handoffId,
      action: 'urge',
      note,
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const end = Date.now() + 10_000;
    while ((await urgeRows()) === before) {
      if (Date.now() > end) throw new Error('the 督办 message was never written');
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  before(async () => {
    t = await startTestApi('notify-inbox');
    town = await orgTown(t);
    notify = await startNotifications(t, { leading: false });
    ({ incidentId, handoffId } = await handedCase(town, {
      subcategory: 'market.food',
      description: '过期食品',
      col: 0,
    }));
  });
  after(async () => {
    await notify?.stop();
    await t?.close();
  });

  it('lists the messages that reached the account, newest first, unread, with their incident', async () => {
    for (const note of ['第一次督办', '第二次督办', '第三次督办']) await urge(note);
    // Written, not yet sent: not in the inbox.
    expect(await inboxOf(town.scjgs)).to.deep.equal({ items: [], unread: 0 });
    await notify.module.services.notifications.sendDue();

    const inbox = await inboxOf(town.scjgs);
    expect(inbox.unread).to.equal(3);
    expect(inbox.items.map((n) => n.body.match(/：(第.次督办)。/)?.[1])).to.deep.equal([
      '第三次督办',
      '第二次督办',
      '第一次督办',
    ]);
    for (const n of inbox.items) {
      expect(n).to.include({ rule: 'handoff_urged', incidentId, readAt: null });
      expect(Date.now() - Date.parse(n.at)).to.be.within(0, 30_000);
    }
    // Another department holds nothing of it, and hears nothing.
    expect(await inboxOf(town.zfzd)).to.deep.equal({ items: [], unread: 0 });
  });

  it("marks the account's own messages read, by id or all, and never another's", async () => {
    const [newest, middle, oldest] = (await inboxOf(town.scjgs)).items.map((n) => n.id) as [number, number, number];

    // Someone else's ids are ignored like ids of no message: the same answer, nothing marked.
    for (const ids of [[oldest], [999_999]]) {
      const res = await town.zfzd.post('/api/me/notifications/read', { ids });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.deep.equal({ marked: 0, unread: 0 });
    }
    expect((await town.zfzd.post('/api/me/notifications/read', { all: true })).body).to.deep.equal({
      marked: 0,
      unread: 0,
    });
    expect((await inboxOf(town.scjgs)).unread).to.equal(3);

    // One by id (with a foreign one beside it): that one is read, the count drops.
    const one = await town.scjgs.post('/api/me/notifications/read', { ids: [oldest, 999_999] });
    expect(one.status, JSON.stringify(one.body)).to.equal(200);
    expect(one.body).to.deep.equal({ marked: 1, unread: 2 });
    let inbox = await inboxOf(town.scjgs);
    const firstRead = inbox.items.find((n) => n.id === oldest)!.readAt;
    expect(firstRead).to.be.a('string');
    expect(inbox.items.filter((n) => n.readAt === null).map((n) => n.id)).to.deep.equal([newest, middle]);
    // Again: nothing more to mark.
    expect((await town.scjgs.post('/api/me/notifications/read', { ids: [oldest] })).body).to.deep.equal({
      marked: 0,
      unread: 2,
    });

    // All: the rest are read; the one read before keeps its time.
    expect((await town.scjgs.post('/api/me/notifications/read', { all: true })).body).to.deep.equal({
      marked: 2,
      unread: 0,
    });
    inbox = await inboxOf(town.scjgs);
    expect(inbox.unread).to.equal(0);
    expect(inbox.items.every((n) => n.readAt !== null)).to.equal(true);
    expect(inbox.items.find((n) => n.id === oldest)!.readAt).to.equal(firstRead);

    // A new 督办 comes unread.
    await urge('第四次督办');
    await notify.module.services.notifications.sendDue();
    inbox = await inboxOf(town.scjgs);
    expect(inbox.unread).to.equal(1);
    expect(inbox.items[0]).to.include({ readAt: null });
    expect(inbox.items[0]!.body).to.contain('第四次督办');
  });

  it('refuses a bad body with a 400 that names the field', async () => {
    const cases: [unknown, string][] = [
      [{}, 'body.ids'],
      [{ ids: [] }, 'body.ids'],
      [{ ids: ['7'] }, 'body.ids[0]'],
      [{ ids: [0] }, 'body.ids[0]'],
      [{ ids: Array.from({ length: 501 }, (_, i) => i + 1) }, 'body.ids'],
      [{ all: false }, 'body.all'],
      [{ all: true, ids: [1] }, 'body.ids'],
      [{ all: true, also: 1 }, 'body'],
      ['[1,2]', 'body'],
    ];
    for (const [body, path] of cases) {
      const res = await town.scjgs.post('/api/me/notifications/read', body);
      expect(res.status, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`).to.equal(400);
      expect(res.body.error.code, JSON.stringify(body)).to.equal('invalid_input');
      expect(
        res.body.error.details.problems.map((p: { path: string }) => p.path),
        JSON.stringify(body),
      ).to.include(path);
    }
    // Nothing was marked by any of them.
    expect((await inboxOf(town.scjgs)).unread).to.equal(1);
  });
});
