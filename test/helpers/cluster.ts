// Several hosts on one machine: api and workers processes started as a deployment would
// start them (`server/main.ts`, `workers/main.ts`, configured by the environment only),
// all on one database and one Redis. The tests talk to them over HTTP, never in process.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from './databases.js';
import { HttpClient } from './http.js';
import { freeTcpPort, WorkersProcess } from './processes.js';
import { sleep } from './system.js';
import type { Role } from '../../platform/auth/roles.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ADMIN_PASSWORD = 'cluster-admin-password';

/** One api process (`server/main.ts`) on ports of its own. */
export class ApiProcess {
  readonly output: string[] = [];

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    readonly osmandUrl: string,
  ) {
    child.stdout?.on('data', (d: Buffer) => this.output.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => this.output.push(d.toString()));
  }

  static async start(env: Record<string, string>): Promise<ApiProcess> {
    const [port, osmandPort] = [await freeTcpPort(), await freeTcpPort()];
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        PORT: String(port),
        OSMAND_PORT: String(osmandPort),
        RTMP_PORT: '0',
        DB_POOL_SIZE: '6',
        ADMIN_PASSWORD,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const api = new ApiProcess(child, `http://127.0.0.1:${port}`, `http://127.0.0.1:${osmandPort}`);
    await api.ready(120_000);
    return api;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits for /readyz to answer 200 (the readiness gate answers 503 until the app is up). */
  private async ready(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`api exited (${this.child.exitCode}): ${this.output.join('')}`);
      const status = await fetch(`${this.url}/readyz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) return;
      await sleep(100);
    }
    throw new Error(`api not ready after ${ms} ms: ${this.output.join('')}`);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill(signal);
    await exited;
  }
}

/** CPU seconds a process has used so far (user + system), from /proc: independent of the machine's load. */
export function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

/** The same account seen through each api instance (one token, several base URLs). */
export type Everywhere = HttpClient[];

export interface Cluster {
  db: TestDatabase;
  redisPrefix: string;
  apis: ApiProcess[];
  workers: WorkersProcess[];
  /** The first admin, through each instance. */
  admin: Everywhere;
  /** Logs a new account in (through the first instance still alive) and answers it through each. */
  login(roles: Role[], townIds?: number[]): Promise<Everywhere>;
  /** A device token (or any bearer) through each instance. */
  as(token: string): Everywhere;
  close(): Promise<void>;
}

let accounts = 0;

/**
 * `apis` api processes and `workers` workers processes on one fresh database and one
 * Redis key prefix, all started together.
 */
export async function startCluster(
  label: string,
  options: { apis?: number; workers?: number; env?: Record<string, string> } = {},
): Promise<Cluster> {
  const db = await createTestDatabase(label);
  const redisPrefix = `wgtest-${process.pid}-${label}`;
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL: process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/15',
    REDIS_PREFIX: redisPrefix,
    ...options.env,
  };
  const apis: ApiProcess[] = [];
  const workers: WorkersProcess[] = [];
  const close = async () => {
    await Promise.all([...apis.map((a) => a.kill('SIGTERM')), ...workers.map((w) => w.kill('SIGTERM'))]);
    await db.drop();
  };
  try {
    // All at once, as a deployment starts them: one of the apis creates the first admin.
    for (let i = 0; i < (options.workers ?? 2); i++) workers.push(WorkersProcess.start(env));
    apis.push(...(await Promise.all(Array.from({ length: options.apis ?? 2 }, () => ApiProcess.start(env)))));
  } catch (err) {
    await close();
    throw err;
  }
  const anonymous = apis.map((a) => new HttpClient(a.url));
  const as = (token: string) => anonymous.map((c) => c.as(token));
  const first = () => apis.findIndex((a) => a.alive);
  const token = async (username: string, password: string) => {
    const res = await anonymous[first()]!.post('/api/auth/login', { username, password });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.token as string;
  };
  // A refused first login must not leave four processes running behind a failed hook.
  const admin = as(
    await token('admin', ADMIN_PASSWORD).catch(async (err: unknown) => {
      await close();
      throw err;
    }),
  );
  return {
    db,
    redisPrefix,
    apis,
    workers,
    admin,
    as,
    async login(roles, townIds = []) {
      const username = `${roles.join('-')}-${++accounts}`;
      const password = 'password-for-tests';
      const res = await admin[first()]!.post('/api/accounts', {
        username,
        displayName: username,
        password,
        roles,
        townIds,
        allTowns: false,
      });
      if (res.status !== 201) throw new Error(`account failed: ${res.status} ${JSON.stringify(res.body)}`);
      return as(await token(username, password));
    },
    close,
  };
}
