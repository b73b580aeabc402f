// SQL of the notifications and the towns' contacts. People and grids are asked of their
// own domains (the module's `people` and `gis` services).
import type { DbClient } from '../platform/db/pool.js';
import type { Rule } from './templates.js';

export interface Recipient {
  personId: number | null;
  /** An account at the web app (an organisation's staff): in-app only. */
  accountId?: number | null;
  name: string;
  phone: string | null;
  /** For the dedupe key. */
  key: string;
}

export interface NotificationRow {
  id: number;
  rule: Rule;
  channel: 'sms' | 'in_app';
  townId: number | null;
  personId: number | null;
  accountId: number | null;
  recipient: string;
  phone: string | null;
  template: string;
  params: Record<string, string>;
  body: string;
  subject: string;
  dueAt: Date;
  status: string;
  statusDetail: string | null;
  providerId: string | null;
  attempts: number;
  createdAt: Date;
  sentAt: Date | null;
  settledAt: Date | null;
}

const COLUMNS = `id, rule, channel, town_id AS "townId", person_id AS "personId", account_id AS "accountId", recipient, phone, template, params, body,
  subject, due_at AS "dueAt", status, status_detail AS "statusDetail", provider_id AS "providerId", attempts,
  created_at AS "createdAt", sent_at AS "sentAt", settled_at AS "settledAt"`;

/** A message in an account's inbox at the web app. */
export interface InboxMessage {
  id: number;
  rule: Rule;
  body: string;
  /** The incident it is about (reminders and 督办 name one in their parameters). */
  incidentId: number | null;
  /** When it reached the account. */
  at: Date;
  readAt: Date | null;
}

/** An account's in-app messages that have reached it (one not yet sent, or cancelled, has not). */
const INBOX = `account_id = $1 AND channel = 'in_app' AND status = 'delivered'`;

export interface NewNotification {
  dedupeKey: string;
  rule: Rule;
  channel: 'sms' | 'in_app';
  townId: number;
  personId: number | null;
  accountId?: number | null;
  recipient: string;
  phone: string | null;
  template: string;
  params: Record<string, string>;
  body: string;
  subject: string;
  dueAt: Date;
}

export class NotificationsRepository {
  constructor(private readonly db: DbClient) {}

  async contact(townId: number, role: string): Promise<Recipient | null> {
    const { rows } = await this.db.query<{ name: string; phone: string }>(
      'SELECT name, phone FROM notification_contacts WHERE town_id = $1 AND role = $2',
      [townId, role],
    );
    return rows[0] ? { personId: null, name: rows[0].name, phone: rows[0].phone, key: `contact:${role}` } : null;
  }

  /** Writes the new ones; a dedupe key seen before writes nothing. Returns how many were new. */
  async insert(list: NewNotification[]): Promise<number> {
    if (list.length === 0) return 0;
    const { rowCount } = await this.db.query(
      `INSERT INTO notifications (dedupe_key, rule, channel, town_id, person_id, account_id, recipient, phone, template, params, body, subject, due_at)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(dedupe_key text, rule text, channel text, town_id bigint, person_id bigint,
         account_id bigint, recipient text, phone text, template text, params jsonb, body text, subject text, due_at timestamptz)
       ON CONFLICT (dedupe_key) DO NOTHING`,
      [
        JSON.stringify(
          list.map((n) => ({
            dedupe_key: n.dedupeKey,
            rule: n.rule,
            channel: n.channel,
            town_id: n.townId,
            person_id: n.personId,
            account_id: n.accountId ?? null,
            recipient: n.recipient,
            phone: n.phone,
            template: n.template,
            params: n.params,
            body: n.body,
            subject: n.subject,
            due_at: n.dueAt.toISOString(),
          })),
        ),
      ],
    );
    return rowCount ?? 0;
  }

  async cancel(subject: string, reason: string, now: Date): Promise<number> {
    const { rowCount } = await this.db.query(
      `UPDATE notifications SET status = 'cancelled', status_detail = $2, settled_at = $3
        WHERE subject = $1 AND status = 'scheduled'`,
      [subject, reason, now],
    );
    return rowCount ?? 0;
  }

  /** Takes the due ones for sending; SKIP LOCKED lets two workers share the work without doubles. */
  async claimDue(now: Date, limit: number): Promise<NotificationRow[]> {
    const { rows } = await this.db.query<NotificationRow>(
      `UPDATE notifications SET status = 'sending', attempts = attempts + 1
        WHERE id IN (SELECT id FROM notifications WHERE status = 'scheduled' AND due_at <= $1
                      ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
        RETURNING ${COLUMNS}`,
      [now, limit],
    );
    return rows.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || a.id - b.id);
  }

  /** Messages 'sending' for long belong to a worker that died mid-send: due again. */
  async releaseStale(before: Date): Promise<number> {
    const { rowCount } = await this.db.query(
      `UPDATE notifications SET status = 'scheduled' WHERE status = 'sending' AND due_at < $1 AND sent_at IS NULL`,
      [before],
    );
    return rowCount ?? 0;
  }

  async smsSentSince(phone: string, since: Date): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM notifications WHERE phone = $1 AND channel = 'sms' AND sent_at >= $2`,
      [phone, since],
    );
    return Number(rows[0]!.n);
  }

  async settle(
    id: number,
    status: 'sent' | 'delivered' | 'failed' | 'rate_limited' | 'scheduled',
    at: Date,
    detail: string | null,
    providerId: string | null = null,
  ): Promise<void> {
    await this.db.query(
      `UPDATE notifications SET status = $2, status_detail = $4,
          provider_id = COALESCE($5, provider_id),
          sent_at = CASE WHEN $2 = 'sent' OR ($2 = 'delivered' AND sent_at IS NULL) THEN $3 ELSE sent_at END,
          settled_at = CASE WHEN $2 IN ('delivered', 'failed', 'rate_limited') THEN $3 ELSE settled_at END,
          due_at = CASE WHEN $2 = 'scheduled' THEN $3::timestamptz + interval '30 seconds' ELSE due_at END
        WHERE id = $1`,
      [id, status, at, detail, providerId],
    );
  }

  async awaitingReceipt(limit: number): Promise<NotificationRow[]> {
    const { rows } = await this.db.query<NotificationRow>(
      `SELECT ${COLUMNS} FROM notifications WHERE status = 'sent' AND provider_id IS NOT NULL ORDER BY sent_at LIMIT $1`,
      [limit],
    );
    return rows;
  }

  async list(f: {
    townIds: number[] | null;
    personId?: number;
    accountId?: number;
    limit: number;
  }): Promise<NotificationRow[]> {
    const { rows } = await this.db.query<NotificationRow>(
      `SELECT ${COLUMNS} FROM notifications
        WHERE ($1::bigint[] IS NULL OR town_id = ANY ($1)) AND ($2::bigint IS NULL OR (person_id = $2 AND channel = 'in_app'))
          AND ($4::bigint IS NULL OR (account_id = $4 AND channel = 'in_app'))
        ORDER BY created_at DESC, id DESC LIMIT $3`,
      [f.townIds, f.personId ?? null, f.limit, f.accountId ?? null],
    );
    return rows;
  }

  async inbox(accountId: number, limit: number): Promise<InboxMessage[]> {
    const { rows } = await this.db.query<InboxMessage>(
      `SELECT id, rule, body, COALESCE(sent_at, created_at) AS at, read_at AS "readAt",
              CASE WHEN params->>'incident' ~ '^[0-9]{1,15}$' THEN (params->>'incident')::bigint END AS "incidentId"
         FROM notifications WHERE ${INBOX}
        ORDER BY created_at DESC, id DESC LIMIT $2`,
      [accountId, limit],
    );
    return rows;
  }

  async unread(accountId: number): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM notifications WHERE ${INBOX} AND read_at IS NULL`,
      [accountId],
    );
    return rows[0]!.n;
  }

  /**
   * Marks the account's own unread messages read: these ids, or all of them (ids null).
   * Ids of anyone else's messages, or of none, match nothing. Returns how many it marked.
   */
  async markRead(accountId: number, ids: number[] | null, at: Date): Promise<number> {
    const { rowCount } = await this.db.query(
      `UPDATE notifications SET read_at = $3
        WHERE ${INBOX} AND read_at IS NULL AND ($2::bigint[] IS NULL OR id = ANY ($2))`,
      [accountId, ids, at],
    );
    return rowCount ?? 0;
  }

  async setContact(townId: number, role: string, name: string, phone: string): Promise<void> {
    await this.db.query(
      `INSERT INTO notification_contacts (town_id, role, name, phone) VALUES ($1, $2, $3, $4)
       ON CONFLICT (town_id, role) DO UPDATE SET name = EXCLUDED.name, phone = EXCLUDED.phone`,
      [townId, role, name, phone],
    );
  }

  async contacts(townIds: number[] | null): Promise<{ townId: number; role: string; name: string; phone: string }[]> {
    const { rows } = await this.db.query<{ townId: number; role: string; name: string; phone: string }>(
      `SELECT town_id::int AS "townId", role, name, phone FROM notification_contacts
        WHERE $1::bigint[] IS NULL OR town_id = ANY ($1) ORDER BY town_id, role`,
      [townIds],
    );
    return rows;
  }
}
