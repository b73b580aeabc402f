// The cameras' stream URLs with their credentials filled in, for processes that pull the
// streams themselves (the recorders). Passwords are opened here and go only to ffmpeg.
import type { Db } from '../platform/db/pool.js';
import { CamerasRepository } from './cameras.repository.js';
import { withCredentials, type CredentialBox } from './credentials.js';

export interface StreamSource {
  id: number;
  townId: number;
  name: string;
  /** Has a placement: it sees somewhere. */
  placed: boolean;
  streams: { main: string | null; sub: string | null };
}

export class StreamSources {
  constructor(
    private readonly db: Db,
    private readonly box: CredentialBox,
  ) {}

  /** Every camera in service; a camera whose password cannot be opened is left out. */
  async all(): Promise<StreamSource[]> {
    const repo = new CamerasRepository(this.db);
    const [secrets, listed] = await Promise.all([repo.allSecrets(), repo.list(null, null)]);
    const byId = new Map(listed.map((c) => [c.id, c]));
    const out: StreamSource[] = [];
    for (const s of secrets) {
      const c = byId.get(s.id);
      if (!c) continue;
      let password: string;
      try {
        password = this.box.open(s.passwordEnc);
      } catch {
        continue; // sealed with another key
      }
      const url = (uri: string | null) => {
        try {
          return uri ? withCredentials(uri, s.username, password) : null;
        } catch {
          return null;
        }
      };
      out.push({
        id: s.id,
        townId: s.townId,
        name: c.name,
        placed: c.placement !== null,
        streams: { main: url(s.mainStreamUri), sub: url(s.subStreamUri) },
      });
    }
    return out;
  }
}
