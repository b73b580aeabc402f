// Runs every process of the system side by side (what `npm start` ends with),
// prefixing their output, and stops them all when one fails or on Ctrl-C. Demo
// simulators start once the api says it is listening.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { DEMO_PHONE_TOKENS } from './demo/demo-files.js';

interface Proc {
  name: string;
  args: string[];
  /** Started only after the api is listening. */
  afterApi?: boolean;
  /** A demo helper: its end does not stop the system. */
  optional?: boolean;
}

const demo = (process.env['DEMO_TOWN'] ?? 'true') === 'true';
const processes: Proc[] = [
  { name: 'api', args: ['server/main.ts'] },
  { name: 'workers', args: ['workers/main.ts'], afterApi: true },
  // Recorders need no api; RECORDERS of them split the cameras by lease (default 1).
  ...Array.from({ length: Number(process.env['RECORDERS'] ?? 1) }, (_, i) => ({
    name: `recorder${i + 1}`,
    args: ['recorder/main.ts'],
  })),
  ...(demo
    ? [
        { name: 'cameras', afterApi: true, optional: true, args: ['scripts/demo/cameras.ts'] },
        { name: 'hotline', afterApi: true, optional: true, args: ['scripts/demo/hotline.ts'] },
        {
          name: 'phones',
          afterApi: true,
          optional: true,
          args: [
            'scripts/simulators/gridworkers/main.ts',
            '--api',
            `http://127.0.0.1:${process.env['PORT'] ?? 8080}`,
            '--osmand',
            `http://127.0.0.1:${process.env['OSMAND_PORT'] ?? 5055}`,
            // The installer sets phones up: the one role that reads their identifiers.
            '--town',
            '330802101',
            '--username',
            'installer',
            '--password',
            'hangbu-demo',
            '--interval',
            '10',
            '--phone-tokens',
            DEMO_PHONE_TOKENS,
          ],
        },
      ]
    : []),
];

const children: ChildProcess[] = [];
let stopping = false;
let apiReady: () => void;
const apiListening = new Promise<void>((resolve) => (apiReady = resolve));

function stopAll(code: number): void {
  if (stopping) return;
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 3000).unref();
}

function run(p: Proc): void {
  const child = spawn(process.execPath, ['--import', 'tsx', ...p.args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
  });
  const prefix = `[${p.name}] `;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (p.name === 'api' && line.includes('api listening')) apiReady();
    process.stdout.write(prefix + line + '\n');
  });
  createInterface({ input: child.stderr! }).on('line', (line) => process.stderr.write(prefix + line + '\n'));
  child.on('exit', (code) => {
    if (stopping) return;
    if (p.optional) return void console.error(`${prefix}exited with ${code}; the rest keeps running`);
    console.error(`${prefix}exited with ${code}; stopping the others`);
    stopAll(code ?? 1);
  });
  children.push(child);
}

for (const p of processes.filter((p) => !p.afterApi)) run(p);
void apiListening.then(() => {
  if (!stopping) for (const p of processes.filter((p) => p.afterApi)) run(p);
});

process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));
