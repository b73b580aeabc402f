// No ffmpeg may outlive the server. Three layers, because each covers a different death:
//  - stop() kills the child (SIGTERM, then SIGKILL) — the normal path;
//  - a process 'exit' hook SIGKILLs whatever is still tracked and removes the scratch
//    directories — covers process.exit() and an uncaught exception;
//  - on Linux the child is started through util-linux `setpriv --pdeathsig SIGKILL`, so
//    the kernel kills it when Node dies without running any JavaScript (SIGKILL, OOM
//    killer, a signal with no handler). PR_SET_PDEATHSIG survives the exec into ffmpeg.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, rmSync } from 'node:fs';
import path from 'node:path';

const children = new Set<ChildProcess>();
const scratchDirs = new Set<string>();
let hooked = false;

function onProcessExit(): void {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
  for (const dir of scratchDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort while the process is dying.
    }
  }
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', onProcessExit);
}

let setprivPath: string | null | undefined;

/** util-linux setpriv with --pdeathsig, when this is Linux and it is installed. */
function findSetpriv(): string | null {
  if (setprivPath !== undefined) return setprivPath;
  setprivPath = null;
  if (process.platform !== 'linux') return setprivPath;
  const dirs = ['/usr/bin', '/bin', ...(process.env['PATH'] ?? '').split(path.delimiter)];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = path.join(dir, 'setpriv');
    try {
      accessSync(candidate, constants.X_OK);
      setprivPath = candidate;
      break;
    } catch {
      // Not here.
    }
  }
  return setprivPath;
}

export interface SpawnOptions {
  /** Start through setpriv --pdeathsig SIGKILL where available (default true). */
  parentDeathSignal?: boolean;
  /** Pipe stdout too (a frame grab writes its JPEG there); ignored by default. */
  stdout?: 'pipe' | 'ignore';
  /** Pipe stdin (an export's ffmpeg reads its list of files there); closed by default. */
  stdin?: 'pipe' | 'ignore';
}

/**
 * Spawns a supervised child: stdin closed (or piped), stdout ignored (or piped), stderr piped, same process
 * group as Node (detached: false), killed on process exit. The pid is ffmpeg's own
 * (setpriv execs into it).
 */
export function spawnSupervised(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  hook();
  const setpriv = options.parentDeathSignal === false ? null : findSetpriv();
  const stdio = [options.stdin ?? 'ignore', options.stdout ?? 'ignore', 'pipe'] as const;
  const child = setpriv
    ? spawn(setpriv, ['--pdeathsig', 'SIGKILL', '--', command, ...args], { stdio: [...stdio], detached: false })
    : spawn(command, [...args], { stdio: [...stdio], detached: false });
  children.add(child);
  child.once('close', () => children.delete(child));
  child.once('error', () => {
    if (child.pid === undefined) children.delete(child);
  });
  return child;
}

/** A scratch directory removed on process exit unless released before. */
export function trackScratchDir(dir: string): void {
  hook();
  scratchDirs.add(dir);
}

export function releaseScratchDir(dir: string): void {
  scratchDirs.delete(dir);
}

/** Pids of the supervised children still running (for tests and health pages). */
export function supervisedPids(): number[] {
  return [...children].map((c) => c.pid).filter((p): p is number => p !== undefined);
}
