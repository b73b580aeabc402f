// Accounts under attack and under administration: login throttling per username and
// per address, the same cost for unknown usernames, a bounded number of password
// hashes at once, disable / role change / password change / logout everywhere ending
// sessions, the first admin's forced password change and the purge of old sessions.
import { expect } from 'chai';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { HttpClient } from '../helpers/http.js';
import { tinyTownAreas } from '../helpers/tiny-town.js';
import { CURRENT_PARAMETERS, dummyHash, hashParameters } from '../../accounts/password.js';
import { HashGate } from '../../accounts/hash-gate.js';
import { PrivateRedis } from '../helpers/processes.js';

describe('access: throttling, account changes and sessions', () => {
  let t: TestApi;
  let townId: number;
  let accounts = 0;

  /** A fresh account (so throttle counts of one test do not touch another's). */
  async function account(roles: string[] = ['planner'], password = 'first-password-1') {
    const username = `acc-${++accounts}-${Date.now() % 100000}`;
    const res = await t.admin.post('/api/accounts', {
      username,
      displayName: username,
      password,
      roles,
      townIds: [townId],
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return { id: res.body.id as number, username, password };
  }

  // The api trusts X-Forwarded-For from loopback (a local proxy): each test logs in from
  // its own address, so one test's failures never throttle another's.
  let address = '198.51.100.1';
  async function login(username: string, password: string, ip = address) {
    return t.anonymous.post('/api/auth/login', { username, password }, { 'x-forwarded-for': ip });
  }
  let tests = 0;
  beforeEach(() => {
    address = `198.51.100.${++tests}`;
  });

  before(async () => {
    t = await startTestApi('access');
    const res = await t.admin.post('/api/areas/import', tinyTownAreas());
    expect(res.status, JSON.stringify(res.body)).to.be.lessThan(300);
    townId = (await t.admin.get('/api/areas?level=town')).body[0].id;
  });
  after(() => t.close());

  it('throttles a username after 5 failures in 15 min with 429 and Retry-After, even for the right password', async () => {
    const a = await account();
    for (let i = 0; i < 5; i++) expect((await login(a.username, 'wrong-password')).status).to.equal(401);
    const sixth = await login(a.username, a.password);
    expect(sixth.status).to.equal(429);
    expect(sixth.body.error.code).to.equal('login_throttled');
    expect(sixth.body.error.details.by).to.equal('username');
    const retryAfter = Number(sixth.headers.get('retry-after'));
    expect(retryAfter).to.be.within(890, 900);
    // Another username from the same address is not affected by this one's count.
    const other = await account();
    expect((await login(other.username, other.password)).status).to.equal(200);
  });

  it('a success clears the username count: 4 failures, a success, 4 failures do not throttle', async () => {
    const a = await account();
    for (let i = 0; i < 4; i++) expect((await login(a.username, 'nope-nope')).status).to.equal(401);
    expect((await login(a.username, a.password)).status).to.equal(200);
    for (let i = 0; i < 4; i++) expect((await login(a.username, 'nope-nope')).status).to.equal(401);
    expect((await login(a.username, a.password)).status).to.equal(200);
  });

  it('throttles an address after 20 failures over any usernames, unknown ones included', async function () {
    this.timeout(60_000);
    const ip = '203.0.113.7';
    for (let i = 0; i < 20; i++) expect((await login(`ghost-${i}`, 'whatever', ip)).status).to.equal(401);
    const a = await account();
    const refused = await login(a.username, a.password, ip);
    expect(refused.status).to.equal(429);
    expect(refused.body.error.details.by).to.equal('ip');
    expect(Number(refused.headers.get('retry-after'))).to.be.greaterThan(0);
    // From another address the same account logs in.
    expect((await login(a.username, a.password, '203.0.113.8')).status).to.equal(200);
  });

  it('checks unknown usernames against a real hash with the same scrypt parameters', async () => {
    expect(hashParameters(await dummyHash())).to.deep.equal(CURRENT_PARAMETERS);
    const { rows } = await t.api.services.db.query<{ password_hash: string }>(
      `SELECT password_hash FROM accounts WHERE username = 'admin'`,
    );
    expect(hashParameters(rows[0]!.password_hash)).to.deep.equal(CURRENT_PARAMETERS);
  });

  it('bounds password hashes at once: beyond the running and waiting slots the caller gets 503 at once', async () => {
    const gate = new HashGate(1, 1);
    let release!: () => void;
    const first = gate.run(() => new Promise<void>((r) => (release = r)));
    const second = gate.run(async () => 'second');
    const third = gate.run(async () => 'third').catch((e: Error & { status?: number }) => e);
    const refused = await third;
    expect(refused).to.have.property('status', 503);
    expect(gate.stats).to.deep.equal({ running: 1, waiting: 1 });
    release();
    await first;
    expect(await second).to.equal('second');
    expect(gate.stats).to.deep.equal({ running: 0, waiting: 0 });
  });

  it('disabling an account ends its sessions at once and refuses its login; enabling lets it back in', async () => {
    const a = await account();
    const token = (await login(a.username, a.password)).body.token as string;
    const user = t.anonymous.as(token);
    expect((await user.get('/api/auth/me')).status).to.equal(200);
    const disabled = await t.admin.patch(`/api/accounts/${a.id}`, { disabled: true });
    expect(disabled.status, JSON.stringify(disabled.body)).to.equal(200);
    expect((await user.get('/api/auth/me')).status).to.equal(401);
    expect((await login(a.username, a.password)).status).to.equal(401);
    expect((await t.admin.patch(`/api/accounts/${a.id}`, { disabled: false })).status).to.equal(200);
    expect((await login(a.username, a.password)).status).to.equal(200);
  });

  it('changing roles ends the sessions; the new login carries the new roles', async () => {
    const a = await account(['planner']);
    const user = t.anonymous.as((await login(a.username, a.password)).body.token);
    const changed = await t.admin.patch(`/api/accounts/${a.id}`, { roles: ['operator', 'dispatcher'] });
    expect(changed.status).to.equal(200);
    expect(changed.body.roles).to.have.members(['operator', 'dispatcher']);
    expect((await user.get('/api/auth/me')).status).to.equal(401);
    const again = await login(a.username, a.password);
    expect(again.body.account.roles).to.have.members(['operator', 'dispatcher']);
  });

  it('refuses bad account changes with a clear 4xx', async () => {
    const a = await account();
    expect((await t.admin.patch(`/api/accounts/${a.id}`, {})).status).to.equal(400);
    expect((await t.admin.patch(`/api/accounts/${a.id}`, { roles: ['king'] })).body.error.code).to.equal(
      'invalid_input',
    );
    expect((await t.admin.patch('/api/accounts/999999', { disabled: true })).status).to.equal(404);
    const me = (await t.admin.get('/api/auth/me')).body.id;
    const self = await t.admin.patch(`/api/accounts/${me}`, { disabled: true });
    expect(self.status).to.equal(409);
    const planner = t.anonymous.as((await login(a.username, a.password)).body.token);
    expect((await planner.patch(`/api/accounts/${a.id}`, { roles: ['admin'] })).status).to.equal(403);
    // A town admin cannot touch an account of every town, nor make admins.
    const townAdmin = await account(['admin']);
    const ta = t.anonymous.as((await login(townAdmin.username, townAdmin.password)).body.token);
    expect((await ta.patch(`/api/accounts/${me}`, { disabled: true })).status).to.equal(403);
    expect((await ta.patch(`/api/accounts/${a.id}`, { roles: ['admin'] })).status).to.equal(403);
    expect((await ta.patch(`/api/accounts/${a.id}`, { roles: ['operator'] })).status).to.equal(200);
    // An admin adding a role to themself keeps the session they did it from.
    const mine = await ta.patch(`/api/accounts/${townAdmin.id}`, { roles: ['admin', 'planner'] });
    expect(mine.status).to.equal(200);
    expect((await ta.get('/api/auth/me')).body.roles).to.have.members(['admin', 'planner']);
  });

  it('two admins creating the same username at once: one account, the other a 409 naming the field', async () => {
    const body = {
      username: `twice-${Date.now()}`,
      displayName: '同名',
      password: 'a-long-enough-password',
      roles: ['operator'],
      townIds: [],
    };
    const answers = await Promise.all(Array.from({ length: 6 }, () => t.admin.post('/api/accounts', body)));
    expect(answers.map((a) => a.status).sort()).to.deep.equal([201, 409, 409, 409, 409, 409]);
    const refused = answers.find((a) => a.status === 409)!;
    expect(refused.body.error.details ?? refused.body.error).to.deep.include({ field: 'username' });
  });

  it("changing one's own password needs the current one, keeps this session and ends the others", async () => {
    const a = await account();
    const here = t.anonymous.as((await login(a.username, a.password)).body.token);
    const elsewhere = t.anonymous.as((await login(a.username, a.password)).body.token);
    const wrong = await here.post('/api/auth/password', {
      currentPassword: 'not-it',
      newPassword: 'second-password-2',
    });
    expect(wrong.status).to.equal(400);
    expect(wrong.body.error.code).to.equal('wrong_password');
    const short = await here.post('/api/auth/password', { currentPassword: a.password, newPassword: 'short' });
    expect(short.status).to.equal(400);
    expect(short.body.error.details.problems[0].path).to.equal('body.newPassword');
    expect(
      (await here.post('/api/auth/password', { currentPassword: a.password, newPassword: 'second-password-2' })).status,
    ).to.equal(204);
    expect((await here.get('/api/auth/me')).status).to.equal(200);
    expect((await elsewhere.get('/api/auth/me')).status).to.equal(401);
    expect((await login(a.username, a.password)).status).to.equal(401);
    expect((await login(a.username, 'second-password-2')).status).to.equal(200);
  });

  it("logout everywhere ends every session of the account and no other account's", async () => {
    const a = await account();
    const sessions = await Promise.all(
      [1, 2, 3].map(async () => t.anonymous.as((await login(a.username, a.password)).body.token)),
    );
    const res = await sessions[0]!.post('/api/auth/logout-everywhere');
    expect(res.status).to.equal(200);
    expect(res.body.sessionsEnded).to.equal(3);
    for (const s of sessions) expect((await s.get('/api/auth/me')).status).to.equal(401);
    expect((await t.admin.get('/api/auth/me')).status).to.equal(200);
  });

  it('a reset password must be changed at the next login: every route but the password change answers 403', async () => {
    const a = await account(['operator']);
    expect((await t.admin.put(`/api/accounts/${a.id}/password`, { password: 'temporary-pass-1' })).status).to.equal(
      204,
    );
    const first = await login(a.username, 'temporary-pass-1');
    expect(first.status).to.equal(200);
    expect(first.body.mustChangePassword).to.equal(true);
    const user = t.anonymous.as(first.body.token);
    for (const path of ['/api/auth/me', '/api/accounts', '/api/cameras', '/api/live']) {
      const res = await user.get(path);
      expect(res.status, path).to.equal(403);
      expect(res.body.error.code, path).to.equal('password_change_required');
    }
    expect(
      (await user.post('/api/auth/password', { currentPassword: 'temporary-pass-1', newPassword: 'my-own-password-1' }))
        .status,
    ).to.equal(204);
    const me = await user.get('/api/auth/me');
    expect(me.status).to.equal(200);
    expect(me.body.mustChangePassword).to.equal(false);
  });

  it('the first admin with a generated password must change it at first login', async () => {
    const second = await startTestApi('access-first-admin');
    try {
      // startTestApi made the admin with a chosen password; a fresh database with a generated one:
      await second.api.services.db.query('TRUNCATE accounts CASCADE');
      const created = await second.api.services.auth.ensureFirstAdmin();
      const res = await new HttpClient(second.api.url).post('/api/auth/login', {
        username: 'admin',
        password: created!.password,
      });
      expect(res.body.mustChangePassword).to.equal(true);
      const admin = second.anonymous.as(res.body.token);
      expect((await admin.get('/api/accounts')).body.error.code).to.equal('password_change_required');
      expect(
        (
          await admin.post('/api/auth/password', {
            currentPassword: created!.password,
            newPassword: 'admins-own-password',
          })
        ).status,
      ).to.equal(204);
      expect((await admin.get('/api/accounts')).status).to.equal(200);
    } finally {
      await second.close();
    }
  });

  it('purges expired sessions', async () => {
    const a = await account();
    await login(a.username, a.password);
    const db = t.api.services.db;
    await db.query(`UPDATE sessions SET expires_at = now() - interval '1 minute' WHERE account_id = $1`, [a.id]);
    const purged = await t.api.services.auth.purgeExpiredSessions();
    expect(purged).to.be.at.least(1);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM sessions WHERE expires_at <= now()');
    expect(rows[0]!.n).to.equal(0);
  });
});

describe('access: login while Redis is away', () => {
  it('answers 503 with Retry-After within 2 s rather than hanging, and logs in again once Redis is back', async function () {
    this.timeout(60_000);
    const redis = await PrivateRedis.start();
    const t = await startTestApi('access-redis', { REDIS_URL: redis.url });
    try {
      await redis.crash();
      const started = Date.now();
      const res = await t.anonymous.post('/api/auth/login', { username: 'admin', password: 'test-admin-password' });
      expect(res.status).to.equal(503);
      expect(res.headers.get('retry-after')).to.equal('2');
      expect(Date.now() - started).to.be.below(2500);
      await redis.up();
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        status = (await t.anonymous.post('/api/auth/login', { username: 'admin', password: 'test-admin-password' }))
          .status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      expect(status).to.equal(200);
    } finally {
      await t.close();
      await redis.crash();
    }
  });
});
