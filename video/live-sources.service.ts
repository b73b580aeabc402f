// Streams pushed to us over RTMP (a gridworker's phone at a scene, a drone): each has
// a secret stream key; a push with a registered key is accepted and can be watched
// through the same HLS path as a camera, relayed by the same manager.
import { randomBytes } from 'node:crypto';
import type { AuthContext } from '../platform/auth/auth-context.js';
import type { Db } from '../platform/db/pool.js';
import { AppError, NotFound } from '../platform/errors.js';
import { resolveHlsFile, waitForPlaylist } from './relay/hls-files.js';
import type { RelayKey, RelayManager } from './relay/relay-manager.js';
import type { RtmpIngest } from './relay/rtmp-ingest.js';
import { LiveSourcesRepository, type LiveSourceRow } from './live-sources.repository.js';

const READY_TIMEOUT_MS = 8000;

export class LiveSourcesService {
  private ingest: RtmpIngest | null = null;
  private readonly repo: LiveSourcesRepository;

  constructor(
    db: Db,
    private readonly relays: RelayManager,
    private readonly rtmpPublicUrl: string,
    /** gis: a town by its code. */
    private readonly townByCode: (code: string) => Promise<{ id: number } | null>,
  ) {
    this.repo = new LiveSourcesRepository(db);
  }

  attach(ingest: RtmpIngest): void {
    this.ingest = ingest;
  }

  /** For the RTMP listener: is this a registered stream key? */
  async authorize(streamKey: string): Promise<boolean> {
    return this.repo.keyExists(streamKey);
  }

  async published(streamKey: string, live: boolean): Promise<void> {
    await this.repo.setLive(streamKey, live);
  }

  /** Registers a source; its push URL (with the secret key) is shown to the creator only. */
  async create(auth: AuthContext, name: string, townCode: string) {
    const town = await this.townByCode(townCode);
    if (!town) throw new NotFound(`Town ${townCode}`);
    auth.assertTown(town.id);
    const streamKey = randomBytes(18).toString('base64url');
    const id = await this.repo.insert(town.id, name, streamKey, auth.me.id);
    return { id, name, pushUrl: `${this.rtmpPublicUrl.replace(/\/$/, '')}/live/${streamKey}` };
  }

  async list(auth: AuthContext) {
    const rows = await this.repo.list(auth.townFilter);
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

  private async source(auth: AuthContext, id: number): Promise<LiveSourceRow> {
    const source = await this.repo.find(id);
    if (!source || !auth.canAccessTown(source.townId)) throw new NotFound(`Live source ${id}`);
    return source;
  }
}
