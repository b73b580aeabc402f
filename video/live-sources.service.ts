// Streams pushed to us over RTMP (a gridworker's phone at a scene, a drone): each has
// a secret stream key; a push with a registered key is accepted and can be watched
// through the same HLS path as a camera, relayed by the same manager.
import { randomBytes } from 'node:crypto';
import type { AuthContext } from '../platform/auth/auth-context.js';
import type { Db } from '../platform/db/pool.js';
import { AppError, NotFound } from '../platform/errors.js';
import { AreasRepository } from '../gis/areas.repository.js';
import { resolveHlsFile, waitForPlaylist } from './relay/hls-files.js';
import type { RelayKey, RelayManager } from './relay/relay-manager.js';
import type { RtmpIngest } from './relay/rtmp-ingest.js';

interface SourceRow {
  id: number;
  townId: number;
  name: string;
  streamKey: string;
  liveSince: Date | null;
  createdAt: Date;
}

const SELECT = `SELECT id, town_id AS "townId", name, stream_key AS "streamKey", live_since AS "liveSince", created_at AS "createdAt" FROM live_sources`;
const READY_TIMEOUT_MS = 8000;

export class LiveSourcesService {
  private ingest: RtmpIngest | null = null;

  constructor(
    private readonly db: Db,
    private readonly relays: RelayManager,
    private readonly rtmpPublicUrl: string,
  ) {}

  attach(ingest: RtmpIngest): void {
    this.ingest = ingest;
  }

  /** For the RTMP listener: is this a registered stream key? */
  async authorize(streamKey: string): Promise<boolean> {
    const { rows } = await this.db.query('SELECT 1 FROM live_sources WHERE stream_key = $1', [streamKey]);
    return rows.length > 0;
  }

  async published(streamKey: string, live: boolean): Promise<void> {
    await this.db.query(`UPDATE live_sources SET live_since = ${live ? 'now()' : 'NULL'} WHERE stream_key = $1`, [
      streamKey,
    ]);
  }

  /** Registers a source; its push URL (with the secret key) is shown to the creator only. */
  async create(auth: AuthContext, name: string, townCode: string) {
    const town = await new AreasRepository(this.db).findByCode(townCode);
    if (!town || town.level !== 'town') throw new NotFound(`Town ${townCode}`);
    auth.assertTown(town.id);
    const streamKey = randomBytes(18).toString('base64url');
    const { rows } = await this.db.query<{ id: number }>(
      'INSERT INTO live_sources (town_id, name, stream_key, created_by) VALUES ($1, $2, $3, $4) RETURNING id',
      [town.id, name, streamKey, auth.me.id],
    );
    return { id: rows[0]!.id, name, pushUrl: `${this.rtmpPublicUrl.replace(/\/$/, '')}/live/${streamKey}` };
  }

  async list(auth: AuthContext) {
    const { rows } = await this.db.query<SourceRow>(
      `${SELECT} WHERE $1::bigint[] IS NULL OR town_id = ANY($1) ORDER BY id DESC`,
      [auth.townFilter],
    );
    return rows.map(({ streamKey: _secret, ...r }) => ({ ...r, live: r.liveSince !== null }));
  }

  async watch(auth: AuthContext, id: number) {
    const source = await this.source(auth, id);
    const watch = await this.relays.watch(this.key(id), this.requireIngest().sourceUrl(source.streamKey));
    const playlist = `/api/live-sources/${id}/live/index.m3u8`;
    if (!watch.local) return { playlist, owner: watch.owner };
    try {
      const ready = await Promise.race([
        watch.ready,
        new Promise<never>((_, r) => setTimeout(() => r(new Error('timeout')), READY_TIMEOUT_MS).unref()),
      ]);
      return { playlist, firstSegmentMs: ready.ms };
    } catch {
      throw new AppError(
        502,
        'relay_failed',
        this.relays.status(watch.key)?.lastError ?? 'Nothing is being pushed to this source',
      );
    }
  }

  async file(auth: AuthContext, id: number, name: string) {
    await this.source(auth, id);
    const key = this.key(id);
    if (!this.relays.touch(key)) {
      const source = await this.source(auth, id);
      const watch = await this.relays.watch(key, this.requireIngest().sourceUrl(source.streamKey));
      if (watch.local) await waitForPlaylist(watch.dir, { timeoutMs: READY_TIMEOUT_MS });
    }
    const dir = this.relays.status(key)?.dir;
    const file = dir ? resolveHlsFile(dir, name) : undefined;
    if (!file) throw new NotFound(`Live file ${name}`);
    return file;
  }

  private requireIngest(): RtmpIngest {
    // A setting, not an outage: nothing can be pushed here, so there is nothing to watch.
    if (!this.ingest) throw new NotFound('A pushed stream (RTMP ingest is off on this server: RTMP_PORT=0)');
    return this.ingest;
  }

  // Keyed by id, never by the stream key: relay keys end up in Redis and directory names.
  private key(id: number): RelayKey {
    return { sourceId: 'push', stream: String(id) };
  }

  private async source(auth: AuthContext, id: number): Promise<SourceRow> {
    const { rows } = await this.db.query<SourceRow>(`${SELECT} WHERE id = $1`, [id]);
    const source = rows[0];
    if (!source || !auth.canAccessTown(source.townId)) throw new NotFound(`Live source ${id}`);
    return source;
  }
}
