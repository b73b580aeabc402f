// Runs every process of the system side by side (what `npm start` ends with),
// prefixing their output, and stops them all when one fails or on Ctrl-C.
import { spawn, type ChildProcess } from 'node:child_process';

interface Proc {
  name: string;
  args: string[];
}

const processes: Proc[] = [{ name: 'api', args: ['server/main.ts'] }];

const children: ChildProcess[] = [];
let stopping = false;

function stopAll(code: number): void {
  if (stopping) return;
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 3000).unref();
}

for (const p of processes) {
  const child = spawn(process.execPath, ['--import', 'tsx', ...p.args], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  const prefix = `[${p.name}] `;
  const relay = (out: NodeJS.WriteStream) => (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line) out.write(prefix + line + '\n');
  };
  child.stdout?.on('data', relay(process.stdout));
  child.stderr?.on('data', relay(process.stderr));
  child.on('exit', (code) => {
    if (!stopping) {
      console.error(`${prefix}exited with ${code}; stopping the others`);
      stopAll(code ?? 1);
    }
  });
  children.push(child);
}

process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));
