// Production mode and the key rotation, with the real processes: `server/main.ts` with
// NODE_ENV=production refuses the development key, the demo town, a weak admin password
// and accounts still opening with the demo password, naming each in one message; with
// good settings it starts and its first admin must choose a password. `scripts/rotate-key.ts`
// re-seals camera passwords under a new key in one transaction.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { HttpClient } from '../helpers/http.js';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { ORIGIN, STEP, TOWN, publishTinyTown } from '../helpers/tiny-town.js';
import { parseConfig } from '../../platform/config.js';
import { unsafeSettings } from '../../accounts/production-guard.js';
import { hashPassword } from '../../accounts/password.js';
import { CredentialBox } from '../../video/credentials.js';
import { SimulatedCamera } from '../../scripts/simulators/camera/simulated-camera.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const GOOD_KEY = 'a1'.repeat(32);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a script to its end, or until `until` matches its output: then `whileUp` runs
 * (the process still serving) and the process is stopped.
 */
function run(
  script: string,
  env: Record<string, string>,
  until?: RegExp,
  whileUp?: (stdout: string) => Promise<void>,
  ms = 40_000,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: ROOT,
      env: {
        ...process.env,
        LOG_LEVEL: 'info',
        PORT: '0',
        OSMAND_PORT: '0',
        RTMP_PORT: '0',
        DB_POOL_SIZE: '2',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not finish in ${ms} ms:\n${stdout}\n${stderr}`));
    }, ms);
    let matched = false;
    const seen = () => {
      if (matched || !until || !until.test(stdout)) return;
      matched = true;
      void (whileUp?.(stdout) ?? Promise.resolve()).then(
        () => child.kill('SIGTERM'),
        (err: unknown) => {
          child.kill('SIGKILL');
          reject(err as Error);
        },
      );
    };
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      seen();
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('production mode and key rotation', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  const redisPrefix = `wgtest-${process.pid}-production`;
  const base = () => ({
    NODE_ENV: 'production',
    DATABASE_URL: db.url,
    REDIS_URL: 'redis://127.0.0.1:6379/15',
    REDIS_PREFIX: redisPrefix,
  });

  before(async () => {
    db = await createTestDatabase('production');
  });
  after(() => db.drop());

  it('names every unsafe setting: the development key, the demo town, a weak admin password', () => {
    const cfg = parseConfig({ NODE_ENV: 'production' });
    const problems = unsafeSettings(cfg, { ADMIN_PASSWORD: 'hangbu-demo' });
    expect(problems).to.have.length(3);
    expect(problems[0]).to.match(/^SECRET_KEY is the development key/);
    expect(problems[1]).to.match(/^DEMO_TOWN must be false/);
    expect(problems[2]).to.match(/^ADMIN_PASSWORD/);
    expect(
      unsafeSettings(parseConfig({ NODE_ENV: 'production', SECRET_KEY: GOOD_KEY, DEMO_TOWN: 'false' }), {}),
    ).to.deep.equal([]);
    // Outside production the defaults are fine.
    expect(unsafeSettings(parseConfig({ NODE_ENV: 'development' }), {})).to.deep.equal([]);
  });

  it('the api refuses to start with the defaults, in one message, without listening', async () => {
    const res = await run('server/main.ts', base(), /api listening/);
    expect(res.code).to.equal(2);
    expect(res.stderr).to.contain('Refusing to start in production');
    expect(res.stderr).to.contain('SECRET_KEY is the development key');
    expect(res.stderr).to.contain('DEMO_TOWN must be false');
    expect(res.stdout).to.not.contain('api listening');
    // The workers refuse the same way; the demo seed does not run at all.
    const workers = await run('workers/main.ts', base());
    expect(workers.code).to.equal(2);
    expect(workers.stderr).to.contain('SECRET_KEY is the development key');
    const seed = await run('scripts/seed-demo-town.ts', base());
    expect(seed.code).to.equal(2);
    expect(seed.stderr).to.contain('not seeded in production');
  });

  it('starts with good settings; the first admin must choose a password; a demo account with the demo password stops the next start', async () => {
    const env = { ...base(), SECRET_KEY: GOOD_KEY, DEMO_TOWN: 'false', ADMIN_PASSWORD: 'a-long-chosen-password' };
    const res = await run('server/main.ts', env, /to be changed at the first login/, async (stdout) => {
      // The admin was made with must_change_password in production, even with ADMIN_PASSWORD given.
      const url = /"url":"(http:\/\/[^"]+)"/.exec(stdout)![1]!;
      const login = await new HttpClient(url).post('/api/auth/login', {
        username: 'admin',
        password: 'a-long-chosen-password',
      });
      expect(login.status).to.equal(200);
      expect(login.body.mustChangePassword).to.equal(true);
      const refused = await new HttpClient(url).as(login.body.token).get('/api/accounts');
      expect(refused.status).to.equal(403);
      expect(refused.body.error.code).to.equal('password_change_required');
    });
    expect(res.stdout).to.contain('api listening');
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ must_change_password: boolean }>(
        `SELECT must_change_password FROM accounts WHERE username = 'admin'`,
      );
      expect(rows[0]!.must_change_password).to.equal(true);
      // A database the demo seeded: an enabled account that opens with the demo password.
      await client.query(
        `INSERT INTO accounts (username, display_name, password_hash, roles) VALUES ('planner', 'demo', $1, '{planner}')`,
        [await hashPassword('hangbu-demo')],
      );
      const refused = await run('server/main.ts', env);
      expect(refused.code).to.equal(2);
      expect(refused.stderr).to.contain('the account "planner" has the demo password');
      expect(refused.stderr).to.not.contain('SECRET_KEY');
    } finally {
      await client.end();
    }
  });
});

describe('rotate-key: camera passwords re-sealed under a new SECRET_KEY in one transaction', function () {
  this.timeout(120_000);
  let t: TestApi;
  let cameras: SimulatedCamera[];
  const passwords = ['Rot-One-1234', 'Rot-Two-5678'];
  const newKey = randomBytes(32).toString('hex');

  const sealed = async () =>
    (
      await t.api.services.db.query<{ id: number; password_enc: Buffer }>(
        'SELECT id, password_enc FROM cameras ORDER BY id',
      )
    ).rows;

  before(async () => {
    cameras = await Promise.all(
      passwords.map((password, i) =>
        SimulatedCamera.start({
          name: `钥匙${i}`,
          ptz: false,
          rtsp: false,
          username: 'admin',
          password,
          onvifPort: 0,
          rtspPort: 0,
          discovery: false,
        }),
      ),
    );
    t = await startTestApi('rotate-key', { CAMERA_TIMEOUT_MS: '3000' });
    const townId = await publishTinyTown(t);
    const installer = await t.login(['installer'], [townId]);
    for (const [i, cam] of cameras.entries()) {
      const res = await installer.post('/api/cameras', {
        name: `钥匙${i}`,
        host: '127.0.0.1',
        port: Number(new URL(cam.xaddr).port),
        username: 'admin',
        password: passwords[i],
        townCode: TOWN,
        placement: {
          lon: ORIGIN.lon + (i + 0.5) * STEP,
          lat: ORIGIN.lat + 0.5 * STEP,
          mountHeightM: 8,
          rangeM: 100,
          hfovDeg: 70,
        },
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    }
  });
  after(async () => {
    await t?.close();
    await Promise.all((cameras ?? []).map((c) => c.stop()));
  });

  it('re-seals every camera password; a second run changes nothing; the log names the key by fingerprint only', async () => {
    const env = {
      NODE_ENV: 'test',
      DATABASE_URL: t.db.url,
      SECRET_KEY: t.api.services.config.SECRET_KEY,
      NEW_SECRET_KEY: newKey,
    };
    const first = await run('scripts/rotate-key.ts', env);
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stdout).to.match(/Re-sealed 2 camera credential\(s\).*0 already were/);
    const box = new CredentialBox(newKey);
    const oldBox = t.api.services.box;
    const rows = await sealed();
    expect(rows.map((r) => box.open(r.password_enc))).to.deep.equal(passwords);
    expect(() => oldBox.open(rows[0]!.password_enc)).to.throw();
    const again = await run('scripts/rotate-key.ts', env);
    expect(again.code).to.equal(0);
    expect(again.stdout).to.match(/Re-sealed 0 .*2 already were/);
    const log = (await t.admin.get('/api/security-log?kind=secret_key.rotated')).body as {
      details: Record<string, unknown>;
    }[];
    expect(log).to.have.length(2);
    expect(log[1]!.details).to.include({ resealed: 2, alreadyNew: 0 });
    expect(JSON.stringify(log)).to.not.contain(newKey);
  });

  it('changes nothing when one row opens under neither key, and refuses a bad or public new key', async () => {
    const newer = randomBytes(32).toString('hex');
    const before = await sealed();
    await t.api.services.db.query('UPDATE cameras SET password_enc = $2 WHERE id = $1', [
      before[1]!.id,
      randomBytes(40),
    ]);
    const env = { NODE_ENV: 'test', DATABASE_URL: t.db.url, SECRET_KEY: newKey, NEW_SECRET_KEY: newer };
    const res = await run('scripts/rotate-key.ts', env);
    expect(res.code).to.equal(1);
    expect(res.stderr).to.contain(`camera ${before[1]!.id} open under neither`);
    const after = await sealed();
    expect(after[0]!.password_enc.equals(before[0]!.password_enc)).to.equal(true);
    expect(new CredentialBox(newKey).open(after[0]!.password_enc)).to.equal(passwords[0]);
    const bad = await run('scripts/rotate-key.ts', { ...env, NEW_SECRET_KEY: 'xyz' });
    expect(bad.code).to.equal(2);
    const pub = await run('scripts/rotate-key.ts', { ...env, NEW_SECRET_KEY: '6f'.repeat(32) });
    expect(pub.code).to.equal(2);
    expect(pub.stderr).to.contain('public development key');
  });
});
