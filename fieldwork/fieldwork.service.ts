// Patrols and household visits from the gridworker's phone, and what the command room
// reads of them. Photos come first as uploads (named by content hash), then are named
// in a note or a visit; an upload sent twice is the same file.
import type { Db } from '../platform/db/pool.js';
import type { MediaStore } from '../platform/media-store.js';
import type { AuthContext } from '../platform/auth/auth-context.js';
import { AppError, NotFound, Unprocessable } from '../platform/errors.js';
import { FieldworkRepository, type PhoneRef } from './fieldwork.repository.js';
import type { PeopleService } from '../people/module.js';

const UPLOADS: { type: string; ext: string; magic: (b: Buffer) => boolean }[] = [
  { type: 'image/jpeg', ext: 'jpg', magic: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: 'image/png', ext: 'png', magic: (b) => b.toString('latin1', 1, 4) === 'PNG' },
  {
    type: 'image/webp',
    ext: 'webp',
    magic: (b) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP',
  },
  { type: 'video/mp4', ext: 'mp4', magic: (b) => b.toString('latin1', 4, 8) === 'ftyp' },
];

export interface NoteInput {
  clientKey: string;
  at: Date;
  note: string;
  lon?: number;
  lat?: number;
  media: string[];
}

export class FieldworkService {
  constructor(
    private readonly db: Db,
    private readonly media: MediaStore,
    private readonly people: Pick<PeopleService, 'contacts'>,
  ) {}

  /** The rows with the name of who walked them (asked of the people domain). */
  private async named<T extends { personId: number; personName?: string }>(rows: T[]): Promise<T[]> {
    const people = await this.people.contacts(rows.map((r) => r.personId));
    return rows.map((r) => ({ ...r, personName: people.get(r.personId)?.name }));
  }

  async upload(contentType: string, body: Buffer): Promise<{ name: string }> {
    const type = UPLOADS.find((u) => u.type === contentType.split(';')[0]!.trim().toLowerCase());
    if (!type)
      throw new AppError(
        415,
        'unsupported_media_type',
        `Send a photo or video as ${UPLOADS.map((u) => u.type).join(', ')}`,
      );
    if (!type.magic(body)) throw new Unprocessable(`The bytes are not a ${type.type} file`, {}, 'not_media');
    return { name: await this.media.save(body, type.ext) };
  }

  private async assertUploaded(names: string[]): Promise<void> {
    for (const name of names) {
      const ok = await this.media.size(name).then(
        () => true,
        () => false,
      );
      if (!ok)
        throw new Unprocessable(`No upload named ${name}: send it to POST /api/phone/uploads first`, { media: name });
    }
  }

  async startPatrol(p: PhoneRef, key: string, at: Date, lon?: number, lat?: number) {
    await new FieldworkRepository(this.db).startPatrol(p, key, at, lon ?? null, lat ?? null);
    return this.patrolOf(p, key);
  }

  private async patrolOf(p: PhoneRef, key: string) {
    const patrol = await new FieldworkRepository(this.db).patrol(p, key);
    if (!patrol) throw new NotFound(`Patrol ${key} of this phone`);
    return (await this.named([patrol]))[0]!;
  }

  async stopPatrol(p: PhoneRef, key: string, at: Date) {
    const patrol = await this.patrolOf(p, key);
    await new FieldworkRepository(this.db).stopPatrol(patrol.id, at);
    return this.patrolOf(p, key);
  }

  async addNote(p: PhoneRef, key: string, n: NoteInput) {
    const patrol = await this.patrolOf(p, key);
    await this.assertUploaded(n.media);
    await new FieldworkRepository(this.db).addNote(patrol.id, { ...n, lon: n.lon ?? null, lat: n.lat ?? null });
    return this.patrolOf(p, key);
  }

  async addVisit(
    p: PhoneRef,
    v: {
      clientKey: string;
      at: Date;
      household: string;
      address?: string;
      note: string;
      lon?: number;
      lat?: number;
      media: string[];
    },
  ) {
    await this.assertUploaded(v.media);
    const visit = await new FieldworkRepository(this.db).addVisit(p, {
      clientKey: v.clientKey,
      visitedAt: v.at,
      household: v.household,
      address: v.address ?? null,
      note: v.note,
      lon: v.lon ?? null,
      lat: v.lat ?? null,
      media: v.media,
    });
    return (await this.named([visit]))[0]!;
  }

  mine(p: PhoneRef) {
    return this.recent({ townIds: null, personId: p.personId, limit: 20 });
  }

  list(auth: AuthContext, limit: number) {
    return this.recent({ townIds: auth.townFilter, limit });
  }

  private async recent(f: { townIds: number[] | null; personId?: number; limit: number }) {
    const { patrols, visits } = await new FieldworkRepository(this.db).recent(f);
    return { patrols: await this.named(patrols), visits: await this.named(visits) };
  }
}
