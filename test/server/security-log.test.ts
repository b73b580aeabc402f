// The security log: what gets written (logins, failures, throttles, account, role and
// password changes, camera credentials, PTZ take-overs, exports), who may read it (admins,
// their towns only) and that PostgreSQL itself refuses to change or delete a row.
import { expect } from 'chai';
import { startTestApi, type TestApi } from '../helpers/api.js';
import type { HttpClient } from '../helpers/http.js';
import { ORIGIN, STEP, TOWN, publishTinyTown } from '../helpers/tiny-town.js';
import { SimulatedCamera } from '../../scripts/simulators/camera/simulated-camera.js';

const CAMERA_PASSWORD = 'Dome-Log-4411';

interface LogRow {
  id: number;
  at: string;
  kind: string;
  actorName: string | null;
  ip: string | null;
  townIds: number[];
  subject: string | null;
  details: Record<string, unknown>;
}

describe('security log: written where it matters, read by admins of the towns, append-only', function () {
  this.timeout(90_000);
  let t: TestApi;
  let townId: number;
  let otherTownId: number;
  let camera: SimulatedCamera;

  const rows = async (client: HttpClient, query = ''): Promise<LogRow[]> => {
    const res = await client.get(`/api/security-log${query}`);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body as LogRow[];
  };

  before(async () => {
    camera = await SimulatedCamera.start({
      name: '日志球机',
      ptz: true,
      rtsp: false,
      username: 'admin',
      password: CAMERA_PASSWORD,
      onvifPort: 0,
      rtspPort: 0,
      discovery: false,
    });
    t = await startTestApi('security-log', { CAMERA_TIMEOUT_MS: '3000' });
    townId = await publishTinyTown(t);
    // A second town, far away, for scoping.
    const other = await t.admin.post('/api/areas/import', {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { code: '990101002', name: '别镇', level: 'town', parent_code: '990101', synthetic: true },
          geometry: {
            type: 'MultiPolygon',
            coordinates: [
              [
                [
                  [120.1, 30.1],
                  [120.11, 30.1],
                  [120.11, 30.11],
                  [120.1, 30.11],
                  [120.1, 30.1],
                ],
              ],
            ],
          },
        },
      ],
    });
    expect(other.status, JSON.stringify(other.body)).to.be.lessThan(300);
    otherTownId = (await t.admin.get('/api/areas/990101002')).body.id;
  });
  after(async () => {
    await t?.close();
    await camera?.stop();
  });

  it('records logins, failures and the throttle, never the password tried', async () => {
    const user = await t.login(['planner'], [townId]);
    const username = (await user.get('/api/auth/me')).body.username as string;
    for (let i = 0; i < 5; i++) await t.anonymous.post('/api/auth/login', { username, password: `Guess-${i}-secret` });
    expect((await t.anonymous.post('/api/auth/login', { username, password: 'x' })).status).to.equal(429);
    const log = (await rows(t.admin, '?kind=login.succeeded,login.failed,login.throttled')).filter(
      (r) => r.subject === username,
    );
    expect(log.map((r) => r.kind)).to.deep.equal([
      'login.throttled',
      ...Array(5).fill('login.failed'),
      'login.succeeded',
    ]);
    expect(log[1]!.details).to.deep.equal({ reason: 'wrong_password' });
    expect(log.every((r) => r.townIds.includes(townId) && r.ip === '127.0.0.1')).to.equal(true);
    expect(JSON.stringify(log)).to.not.match(/Guess-\d-secret/);
    const unknown = await t.anonymous.post('/api/auth/login', { username: 'nobody-here', password: 'Secret-Guess' });
    expect(unknown.status).to.equal(401);
    const [latest] = await rows(t.admin, '?kind=login.failed&limit=1');
    expect(latest).to.include({ subject: 'nobody-here' });
    expect(latest!.details).to.deep.equal({ reason: 'unknown_username' });
  });

  it('records account creation, role changes, disabling, resets and password changes with who did it', async () => {
    const created = await t.admin.post('/api/accounts', {
      username: 'logged-one',
      displayName: 'L',
      password: 'first-pass-1',
      roles: ['planner'],
      townIds: [townId],
    });
    const id = created.body.id as number;
    await t.admin.patch(`/api/accounts/${id}`, { roles: ['operator'] });
    await t.admin.patch(`/api/accounts/${id}`, { disabled: true });
    await t.admin.patch(`/api/accounts/${id}`, { disabled: false });
    await t.admin.put(`/api/accounts/${id}/password`, { password: 'reset-pass-1' });
    const login = await t.anonymous.post('/api/auth/login', { username: 'logged-one', password: 'reset-pass-1' });
    await t.anonymous
      .as(login.body.token)
      .post('/api/auth/password', { currentPassword: 'reset-pass-1', newPassword: 'own-pass-22' });
    const log = (await rows(t.admin)).filter((r) => r.subject === 'logged-one').reverse();
    expect(log.map((r) => r.kind)).to.deep.equal([
      'account.created',
      'account.roles_changed',
      'account.disabled',
      'account.enabled',
      'account.password_reset',
      'login.succeeded',
      'account.password_changed',
    ]);
    expect(log[1]!.details).to.deep.include({ from: ['planner'], to: ['operator'] });
    expect(log.slice(0, 5).every((r) => r.actorName === 'admin')).to.equal(true);
    expect(log[6]!.actorName).to.equal('logged-one');
    expect(JSON.stringify(log)).to.not.match(/pass-1|pass-22/);
  });

  it('records camera credential changes, PTZ take-overs and CSV exports', async () => {
    const installer = await t.login(['installer'], [townId]);
    const operator = await t.login(['operator'], [townId]);
    const dispatcher = await t.login(['dispatcher'], [townId]);
    const registered = await installer.post('/api/cameras', {
      name: '日志球机',
      host: '127.0.0.1',
      port: Number(new URL(camera.xaddr).port),
      username: 'admin',
      password: CAMERA_PASSWORD,
      townCode: TOWN,
      placement: {
        lon: ORIGIN.lon + 1.5 * STEP,
        lat: ORIGIN.lat + 1.5 * STEP,
        mountHeightM: 10,
        rangeM: 200,
        hfovDeg: 60,
      },
    });
    expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
    const id = registered.body.id as number;
    expect((await installer.patch(`/api/cameras/${id}/credentials`, { password: CAMERA_PASSWORD })).status).to.equal(
      200,
    );
    expect((await operator.post(`/api/cameras/${id}/ptz`, { type: 'home' })).status).to.equal(200);
    expect((await dispatcher.post(`/api/cameras/${id}/ptz`, { type: 'home' })).status).to.equal(200);
    const csv = await dispatcher.get(`/api/stats/incidents?town=${TOWN}&format=csv`);
    expect(csv.status).to.equal(200);

    const log = await rows(t.admin, '?kind=camera.credentials_changed,ptz.taken_over,export');
    const [exported, takeOver, credentials] = log;
    expect(credentials).to.include({ kind: 'camera.credentials_changed', subject: `camera ${id} 日志球机` });
    expect(credentials!.townIds).to.deep.equal([townId]);
    expect(takeOver!.kind).to.equal('ptz.taken_over');
    expect((takeOver!.details['from'] as { username: string }).username).to.match(/^operator-/);
    expect(takeOver!.actorName).to.match(/^dispatcher-/);
    expect(exported).to.include({ kind: 'export' });
    expect(exported!.subject).to.match(/^incident-stats_990101001_.*\.csv$/);
    expect(JSON.stringify(log)).to.not.contain(CAMERA_PASSWORD);
  });

  it('shows a town admin only the rows of their towns; other roles get 403; bad filters 400', async () => {
    const here = await t.login(['admin'], [townId]);
    const there = await t.login(['admin'], [otherTownId]);
    const hereRows = await rows(here);
    expect(hereRows.length).to.be.greaterThan(5);
    expect(hereRows.every((r) => r.townIds.includes(townId))).to.equal(true);
    // The failed login for an unknown username concerns no town: only admins of every town see it.
    expect(hereRows.some((r) => r.subject === 'nobody-here')).to.equal(false);
    expect((await rows(t.admin)).some((r) => r.subject === 'nobody-here')).to.equal(true);
    const thereRows = await rows(there);
    expect(thereRows.every((r) => r.townIds.includes(otherTownId))).to.equal(true);
    expect(thereRows.some((r) => r.townIds.includes(townId) && !r.townIds.includes(otherTownId))).to.equal(false);
    const operator = await t.login(['operator'], [townId]);
    expect((await operator.get('/api/security-log')).status).to.equal(403);
    const bad = await t.admin.get('/api/security-log?kind=made.up');
    expect(bad.status).to.equal(400);
    expect(bad.body.error.details.problems[0].path).to.equal('query.kind');
    expect((await t.admin.get('/api/security-log?limit=0')).status).to.equal(400);
    // Paging: beforeId walks back.
    const [first, second] = await rows(t.admin, '?limit=2');
    const [next] = await rows(t.admin, `?limit=1&beforeId=${first!.id}`);
    expect(next!.id).to.equal(second!.id);
  });

  it('is append-only in PostgreSQL: UPDATE, DELETE and TRUNCATE are refused', async () => {
    const db = t.api.services.db;
    const before = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM security_log')).rows[0]!.n;
    for (const sql of [
      "UPDATE security_log SET kind = 'login.succeeded'",
      'DELETE FROM security_log',
      'TRUNCATE security_log',
    ]) {
      let refused: Error | null = null;
      await db.query(sql).catch((err: Error) => (refused = err));
      expect(refused, sql).to.be.an('error');
      expect(refused!.message).to.match(/append-only/);
    }
    const after = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM security_log')).rows[0]!.n;
    expect(after).to.equal(before);
  });
});
