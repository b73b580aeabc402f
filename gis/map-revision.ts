// Keeps this process's view of the grid map (the in-process index and the revision
// that tile caches are keyed by) in step with PostgreSQL. A publish anywhere sends
// a Redis message; every instance reloads. A slow poll catches a lost message.
import type { Redis } from 'ioredis';
import type { Db } from '../platform/db/pool.js';
import { moduleLogger } from '../platform/logger.js';
import { GridIndex } from './grid-index.js';
import { GridsRepository } from './grids.repository.js';

const POLL_MS = 30_000;
const log = moduleLogger('map-revision');

export class GridMap {
  private index: GridIndex = GridIndex.build([], 0);
  private loading: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly repo: GridsRepository;

  private readonly channel: string;

  constructor(
    db: Db,
    private readonly publisher: Redis | null,
    redisPrefix: string,
  ) {
    this.repo = new GridsRepository(db);
    this.channel = `${redisPrefix}:map-revision`;
  }

  get current(): GridIndex {
    return this.index;
  }

  get revision(): number {
    return this.index.revision;
  }

  /** Rebuilds the index from PostGIS when the stored revision is newer than ours. */
  async refresh(force = false): Promise<void> {
    if (this.loading) return this.loading;
    this.loading = (async () => {
      const revision = await this.repo.revision();
      if (!force && revision === this.index.revision && this.index.size > 0) return;
      const started = performance.now();
      const versions = await this.repo.allVersionsWithGeometry();
      this.index = GridIndex.build(versions, revision);
      log.info(
        { revision, versions: versions.length, ms: Math.round(performance.now() - started) },
        'grid index rebuilt',
      );
    })().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  /** Tells every instance the map changed. */
  async announce(revision: number): Promise<void> {
    await this.refresh();
    await this.publisher?.publish(this.channel, String(revision));
  }

  /** Follows announcements from other instances, with a poll as a safety net. */
  async follow(subscriber: Redis): Promise<void> {
    await subscriber.subscribe(this.channel);
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel && Number(message) > this.index.revision) {
        this.refresh().catch((err: unknown) => log.error({ err }, 'grid index refresh failed'));
      }
    });
    this.timer = setInterval(() => {
      this.refresh().catch((err: unknown) => log.warn({ err }, 'grid index poll failed'));
    }, POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
