// Keeps the recordings within their disk: segments past their retention go, and when the
// quota or the minimum free space is reached the oldest segments that no hold protects
// go first. Index rows are deleted before their files, so the index never names a file
// that is gone because of us (a file deleted by hand is found at playback). A write that
// failed for want of space (ENOSPC) frees room at once, whatever the thresholds say: the
// disk filled faster than the sweeps, or something else filled it.
import { statfs, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../platform/db/pool.js';
import { moduleLogger } from '../platform/logger.js';
import { RecordingsRepository } from './recordings.repository.js';
import type { RecordingsConfig } from './recordings-config.js';

const log = moduleLogger('recording-storage');
const MB = 1024 * 1024;
/** What a full disk frees beyond the minimum free space: 5 % of the disk, at most 16 MB. */
export function diskFullHeadroom(diskBytes: number): number {
  return Math.max(64 * 1024, Math.min(16 * MB, Math.floor(diskBytes * 0.05)));
}

export interface SweepResult {
  expired: number;
  overQuota: number;
  lowSpace: number;
  freedBytes: number;
  usedBytes: number;
  freeBytes: number;
}

export class RecordingStorage {
  constructor(
    private readonly db: Db,
    private readonly cfg: RecordingsConfig,
  ) {}

  private async remove(files: { file: string; bytes: number }[]): Promise<number> {
    let freed = 0;
    for (const f of files) {
      try {
        await unlink(path.join(this.cfg.dir, f.file));
        freed += f.bytes;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn({ file: f.file, err }, 'segment not deleted');
      }
    }
    return freed;
  }

  async freeBytes(): Promise<number> {
    return (await this.disk()).free;
  }

  private async disk(): Promise<{ free: number; size: number }> {
    try {
      const s = await statfs(this.cfg.dir);
      return { free: s.bavail * s.bsize, size: s.blocks * s.bsize };
    } catch {
      return { free: Number.POSITIVE_INFINITY, size: 0 };
    }
  }

  /** `diskFull`: a recording just failed with ENOSPC, so free room even above the minimum. */
  async sweep(o: { diskFull?: boolean } = {}): Promise<SweepResult> {
    const repo = new RecordingsRepository(this.db);
    const r: SweepResult = { expired: 0, overQuota: 0, lowSpace: 0, freedBytes: 0, usedBytes: 0, freeBytes: 0 };
    for (let i = 0; i < 10; i++) {
      const gone = await repo.deleteExpired(2000);
      r.expired += gone.length;
      r.freedBytes += await this.remove(gone);
      if (gone.length < 2000) break;
    }
    r.usedBytes = await repo.totalBytes();
    const quota = this.cfg.RECORDINGS_QUOTA_MB * MB;
    if (quota > 0 && r.usedBytes > quota) {
      const gone = await repo.deleteOldest(r.usedBytes - quota);
      r.overQuota = gone.length;
      const freed = await this.remove(gone);
      r.freedBytes += freed;
      r.usedBytes -= gone.reduce((s, g) => s + g.bytes, 0);
    }
    const disk = await this.disk();
    r.freeBytes = disk.free;
    const minFree = this.cfg.RECORDINGS_MIN_FREE_MB * MB;
    const wanted = o.diskFull ? minFree + diskFullHeadroom(disk.size) : minFree;
    if (r.freeBytes < wanted) {
      // A little more than the shortfall, so the next sweep does not start at once again.
      const gone = await repo.deleteOldest(wanted - r.freeBytes + (o.diskFull ? 0 : 16 * MB));
      r.lowSpace = gone.length;
      r.freedBytes += await this.remove(gone);
      r.freeBytes = await this.freeBytes();
    }
    if (r.overQuota + r.lowSpace > 0)
      log.warn(
        { ...r, diskFull: o.diskFull ?? false },
        'recordings over quota or low on space: oldest segments deleted',
      );
    return r;
  }
}
