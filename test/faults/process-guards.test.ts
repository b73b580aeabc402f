// What a process does with an 'error' event nobody listened to: a database connection the
// server ended (PostgreSQL restarting: 57P01, as pg emits it) is logged and the process goes
// on; anything else is a bug, logged, and the process exits. Real child processes.
import { expect } from 'chai';
import { spawn } from 'node:child_process';

/** Runs the guard in a child, emits `error` unheard, and says whether it was still alive 500 ms later. */
function childAfter(error: string): Promise<{ code: number | null; output: string }> {
  const script = `
    import { EventEmitter } from 'node:events';
    import { guardProcess } from './platform/process-guards.ts';
    guardProcess('probe');
    setTimeout(() => new EventEmitter().emit('error', ${error}), 50);
    setTimeout(() => { console.log('still running'); process.exit(0); }, 550);
  `;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, LOG_LEVEL: 'info' },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('faults: errors nobody listened to', function () {
  this.timeout(30_000);

  it('goes on after a database connection the server ended', async () => {
    const { code, output } = await childAfter(
      `Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01', severity: 'FATAL' })`,
    );
    expect(output).to.contain('ended by the server; going on');
    expect(output).to.contain('still running');
    expect(code).to.equal(0);
  });

  it('exits on any other error, saying what it was', async () => {
    const { code, output } = await childAfter(`new TypeError('x is not a function')`);
    expect(output).to.contain('uncaught exception; exiting');
    expect(output).to.contain('x is not a function');
    expect(output).not.to.contain('still running');
    expect(code).to.equal(1);
  });
});
