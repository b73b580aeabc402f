// The append-only security log (table security_log; PostgreSQL refuses UPDATE and
// DELETE on it). Hooks await record() where something security-relevant happens, so
// the row is committed before the answer goes out; a failed write is logged but never
// turns into a failure of the action it describes, which has already happened.
import type { Db } from '../db/pool.js';
import { moduleLogger } from '../logger.js';
import type { AuthContext } from './auth-context.js';
import { SecurityLogRepository, type SecurityEventRow } from './security-log.repository.js';

const log = moduleLogger('security-log');

export const SECURITY_EVENT_KINDS = [
  'login.succeeded',
  'login.failed',
  'login.throttled',
  'logout.everywhere',
  'account.created',
  'account.disabled',
  'account.enabled',
  'account.roles_changed',
  'account.password_changed',
  'account.password_reset',
  'camera.credentials_changed',
  'ptz.taken_over',
  'export',
  'secret_key.rotated',
] as const;
export type SecurityEventKind = (typeof SECURITY_EVENT_KINDS)[number];

export interface SecurityEvent {
  kind: SecurityEventKind;
  /** Who acted; null when nobody is logged in (a failed login). */
  actor?: { id: number; username: string } | null;
  /** The name given when there is no actor (a failed login's username). */
  actorName?: string;
  ip?: string | null;
  townIds?: number[];
  subject?: string;
  details?: Record<string, unknown>;
}

export class SecurityLog {
  private readonly repo: SecurityLogRepository;

  constructor(db: Db) {
    this.repo = new SecurityLogRepository(db);
  }

  async record(e: SecurityEvent): Promise<void> {
    try {
      await this.repo.insert({
        kind: e.kind,
        actorId: e.actor?.id ?? null,
        actorName: e.actor?.username ?? e.actorName ?? null,
        ip: e.ip ?? null,
        townIds: e.townIds ?? [],
        subject: e.subject ?? null,
        details: e.details ?? {},
      });
    } catch (err) {
      // The action already happened; losing its record is bad, failing it now is worse.
      log.error({ err, kind: e.kind, subject: e.subject }, 'security log write failed');
    }
  }

  /** Newest first, only rows about the caller's towns unless the caller sees every town. */
  async list(
    auth: AuthContext,
    q: { kinds?: string[]; since?: Date; beforeId?: number; limit?: number },
  ): Promise<SecurityEventRow[]> {
    return this.repo.list({
      townIds: auth.townFilter,
      kinds: q.kinds?.length ? q.kinds : null,
      since: q.since ?? null,
      beforeId: q.beforeId ?? null,
      limit: q.limit ?? 100,
    });
  }
}
