// Relay scratch directories that outlive their server. A relay removes its directory
// when it stops, and the exit hook when Node exits; a server killed -9 (or by the OOM
// killer) runs neither, and its HLS files would stay on tmpfs forever. So each server
// instance keeps its relays in a directory of its own, `i-<instance id>`, with an
// owner.json naming the process (host, boot, pid and the pid's start time) whose mtime
// is a heartbeat. At start, an instance removes what nobody owns any more:
//  - instance directories whose process is gone (same host and boot, and that pid is
//    dead or is now another process): at once;
//  - instance directories whose heartbeat is older than `staleMs` (another host, a
//    directory without a readable owner): then;
//  - anything else in the root (relay directories of older versions) whose newest file
//    is older than `staleMs`: a live relay writes a segment every second.
// Another running instance's directories are never touched: its process is alive and
// its heartbeat fresh.
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const OWNER_FILE = 'owner.json';
const INSTANCE_PREFIX = 'i-';

export interface ScratchOwner {
  instanceId: string;
  host: string;
  /** /proc/sys/kernel/random/boot_id: pids are only comparable within one boot. */
  bootId: string | null;
  pid: number;
  /** Start time of `pid` in clock ticks since boot (/proc/<pid>/stat), to see through pid reuse. */
  pidStart: number | null;
  startedAt: string;
}

export interface LeftoverReport {
  removed: string[];
  kept: string[];
}

export interface SweepOptions {
  /** This instance's id: its own directory is never removed. */
  instanceId: string;
  /** Without a living owner, a directory untouched this long is removed. */
  staleMs: number;
  now?: number;
}

function readBootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command, which may hold spaces). */
export function processStartTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, as another user's process.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function currentOwner(instanceId: string): ScratchOwner {
  return {
    instanceId,
    host: os.hostname(),
    bootId: readBootId(),
    pid: process.pid,
    pidStart: processStartTicks(process.pid),
    startedAt: new Date().toISOString(),
  };
}

/** 'dead' when provably gone, 'alive' when provably running, 'unknown' otherwise (another host). */
export function ownerState(owner: ScratchOwner): 'alive' | 'dead' | 'unknown' {
  if (owner.host !== os.hostname()) return 'unknown';
  const bootId = readBootId();
  if (owner.bootId && bootId && owner.bootId !== bootId) return 'dead';
  if (!pidExists(owner.pid)) return 'dead';
  if (owner.pidStart !== null) {
    const start = processStartTicks(owner.pid);
    if (start !== null && start !== owner.pidStart) return 'dead';
  }
  return 'alive';
}

/** The directory name of an instance: ids are UUIDs, but keep whatever it is a safe name. */
export function instanceDirName(instanceId: string): string {
  return INSTANCE_PREFIX + instanceId.replace(/[^\w.-]+/g, '_').slice(0, 80);
}

/** Creates `<root>/i-<id>` with its owner file; returns the directory. */
export async function claimInstanceDir(root: string, instanceId: string): Promise<string> {
  const dir = path.join(root, instanceDirName(instanceId));
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, OWNER_FILE), JSON.stringify(currentOwner(instanceId)));
  return dir;
}

/** Marks the instance directory as owned right now. */
export async function heartbeat(dir: string): Promise<void> {
  const now = new Date();
  await utimes(path.join(dir, OWNER_FILE), now, now);
}

async function readOwner(dir: string): Promise<{ owner: ScratchOwner; mtimeMs: number } | undefined> {
  try {
    const file = path.join(dir, OWNER_FILE);
    const [text, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    const owner = JSON.parse(text) as ScratchOwner;
    if (typeof owner.pid !== 'number' || typeof owner.host !== 'string') return undefined;
    return { owner, mtimeMs: info.mtimeMs };
  } catch {
    return undefined;
  }
}

/** The newest mtime of a directory and the files right inside it (HLS dirs are flat). */
async function newestMtime(dir: string): Promise<number> {
  let newest = (await stat(dir)).mtimeMs;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const info = await stat(path.join(dir, name)).catch(() => undefined);
    if (info && info.mtimeMs > newest) newest = info.mtimeMs;
  }
  return newest;
}

/** Removes the scratch directories under `root` that no living relay owns. */
export async function removeLeftoverScratchDirs(root: string, options: SweepOptions): Promise<LeftoverReport> {
  const now = options.now ?? Date.now();
  const own = instanceDirName(options.instanceId);
  const report: LeftoverReport = { removed: [], kept: [] };
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch {
    return report; // No root yet: nothing was ever left.
  }
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name === own) continue;
    const dir = path.join(root, entry.name);
    let remove: boolean;
    if (entry.name.startsWith(INSTANCE_PREFIX)) {
      const found = await readOwner(dir);
      if (found) {
        const state = ownerState(found.owner);
        remove = state === 'dead' || (now - found.mtimeMs > options.staleMs && state !== 'alive');
      } else {
        remove = now - (await newestMtime(dir).catch(() => now)) > options.staleMs;
      }
    } else {
      remove = now - (await newestMtime(dir).catch(() => now)) > options.staleMs;
    }
    if (remove) {
      await rm(dir, { recursive: true, force: true });
      report.removed.push(dir);
    } else {
      report.kept.push(dir);
    }
  }
  return report;
}
