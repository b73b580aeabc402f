// Open live streams lose their right to listen: a browser's /api/live when its session
// is ended (logout everywhere, account disabled) and a phone's /api/phone/live when its
// device is disabled. The stream re-checks every SESSION_RECHECK_S (1 s here, 15 s by
// default) and ends with `event: revoked`.
import { expect } from 'chai';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { EventStream } from '../helpers/sse.js';
import { tinyTownWithPeople, type TinyTownWithPeople } from '../helpers/roster.js';

describe('live streams end when their session or device is revoked', () => {
  let t: TestApi;
  let town: TinyTownWithPeople;

  before(async () => {
    t = await startTestApi('live-revocation', { SESSION_RECHECK_S: '1' });
    town = await tinyTownWithPeople(t, 1);
  });
  after(() => t.close());

  async function revokedWithin(stream: EventStream, revoke: () => Promise<unknown>): Promise<number> {
    await stream.ready;
    // Still open after two rechecks while nothing changed.
    await new Promise((r) => setTimeout(r, 2200));
    expect(stream.events.filter((e) => e.event === 'revoked')).to.have.length(0);
    const started = performance.now();
    await revoke();
    const ended = await stream.next((e) => e.event === 'revoked', 5000);
    stream.close();
    return ended.at - started;
  }

  it('ends /api/live within the recheck after logout everywhere', async () => {
    const user = await t.login(['dispatcher'], [town.townId]);
    const ms = await revokedWithin(new EventStream(`${t.api.url}/api/live`, user.token!), () =>
      user.post('/api/auth/logout-everywhere'),
    );
    expect(ms).to.be.below(2500);
  });

  it('ends /api/live within the recheck when an admin disables the account', async () => {
    const user = await t.login(['operator'], [town.townId]);
    const id = (await user.get('/api/auth/me')).body.id;
    const ms = await revokedWithin(new EventStream(`${t.api.url}/api/live`, user.token!), () =>
      t.admin.patch(`/api/accounts/${id}`, { disabled: true }),
    );
    expect(ms).to.be.below(2500);
  });

  it('ends /api/phone/live within the recheck when the phone is disabled', async () => {
    const phone = town.phones[0]!;
    const device = (await t.admin.get(`/api/people/${phone.personId}`)).body.devices[0].id;
    const ms = await revokedWithin(new EventStream(`${t.api.url}/api/phone/live`, phone.token), () =>
      t.admin.delete(`/api/devices/${device}`),
    );
    expect(ms).to.be.below(2500);
  });
});
