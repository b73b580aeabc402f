import { LRUCache } from 'lru-cache';
import type { Db } from '../platform/db/pool.js';
import { BadRequest } from '../platform/errors.js';
import type { GridMap } from './map-revision.js';
import { TilesRepository } from './tiles.repository.js';

export interface Tile {
  body: Buffer;
  etag: string;
  revision: number;
}

/** Vector tiles cached by map revision: a publish changes the key, so it shows at once. */
export class TilesService {
  private readonly cache: LRUCache<string, Tile>;
  private readonly inflight = new Map<string, Promise<Tile>>();
  private readonly repo: TilesRepository;

  constructor(
    db: Db,
    private readonly gridMap: GridMap,
    entries: number,
  ) {
    this.repo = new TilesRepository(db);
    this.cache = new LRUCache({ max: entries });
  }

  async tile(z: number, x: number, y: number): Promise<Tile> {
    const limit = 2 ** z;
    if (x >= limit || y >= limit)
      throw new BadRequest(`Tile ${z}/${x}/${y} does not exist: x and y must be below ${limit} at zoom ${z}`);
    const revision = this.gridMap.revision;
    const key = `${revision}/${z}/${x}/${y}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    // Concurrent requests for one tile share a single query.
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.repo
        .tile(z, x, y)
        .then((body) => {
          const tile = { body, etag: `"r${revision}-${z}-${x}-${y}"`, revision };
          this.cache.set(key, tile);
          return tile;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }
}
