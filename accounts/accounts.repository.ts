import type { DbClient } from '../platform/db/pool.js';
import type { AccountIdentity } from '../platform/auth/auth-context.js';
import type { Role } from '../platform/auth/roles.js';

interface AccountRow {
  id: number;
  username: string;
  display_name: string;
  roles: Role[];
  all_towns: boolean;
  town_ids: number[];
  password_hash: string;
  disabled: boolean;
  must_change_password: boolean;
}

export interface StoredAccount extends AccountIdentity {
  passwordHash: string;
  disabled: boolean;
  mustChangePassword: boolean;
}

const SELECT_ACCOUNT = `
  SELECT a.id, a.username, a.display_name, a.roles::text[] AS roles, a.all_towns, a.password_hash, a.disabled, a.must_change_password,
         COALESCE(array_agg(t.town_id ORDER BY t.town_id) FILTER (WHERE t.town_id IS NOT NULL), '{}') AS town_ids
  FROM accounts a LEFT JOIN account_towns t ON t.account_id = a.id`;

function toAccount(row: AccountRow): StoredAccount {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    roles: row.roles,
    allTowns: row.all_towns,
    townIds: row.town_ids,
    passwordHash: row.password_hash,
    disabled: row.disabled,
    mustChangePassword: row.must_change_password,
  };
}

export interface NewAccount {
  username: string;
  displayName: string;
  passwordHash: string;
  roles: Role[];
  allTowns: boolean;
  townIds: number[];
  /** Forced to choose a new password at first login (the first admin). */
  mustChangePassword?: boolean;
}

export class AccountsRepository {
  constructor(private readonly db: DbClient) {}

  async findByUsername(username: string): Promise<StoredAccount | null> {
    const { rows } = await this.db.query<AccountRow>(`${SELECT_ACCOUNT} WHERE a.username = $1 GROUP BY a.id`, [
      username,
    ]);
    return rows[0] ? toAccount(rows[0]) : null;
  }

  async findById(id: number): Promise<StoredAccount | null> {
    const { rows } = await this.db.query<AccountRow>(`${SELECT_ACCOUNT} WHERE a.id = $1 GROUP BY a.id`, [id]);
    return rows[0] ? toAccount(rows[0]) : null;
  }

  async list(): Promise<StoredAccount[]> {
    const { rows } = await this.db.query<AccountRow>(`${SELECT_ACCOUNT} GROUP BY a.id ORDER BY a.id`);
    return rows.map(toAccount);
  }

  async count(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM accounts');
    return rows[0]?.n ?? 0;
  }

  /** The new account's id, or null when the username was taken meanwhile (two creations at once). */
  async insert(account: NewAccount): Promise<number | null> {
    const { rows } = await this.db.query<{ id: number }>(
      `WITH a AS (
         INSERT INTO accounts (username, display_name, password_hash, roles, all_towns, must_change_password)
         VALUES ($1, $2, $3, $4::account_role[], $5, $7) ON CONFLICT (username) DO NOTHING RETURNING id),
       t AS (INSERT INTO account_towns (account_id, town_id) SELECT a.id, unnest($6::bigint[]) FROM a)
       SELECT id FROM a`,
      [
        account.username,
        account.displayName,
        account.passwordHash,
        account.roles,
        account.allTowns,
        account.townIds,
        account.mustChangePassword ?? false,
      ],
    );
    return rows[0]?.id ?? null;
  }

  async existingTownIds(ids: number[]): Promise<number[]> {
    const { rows } = await this.db.query<{ id: number }>(
      `SELECT id FROM areas WHERE id = ANY($1::bigint[]) AND level = 'town'`,
      [ids],
    );
    return rows.map((r) => r.id);
  }

  async insertSession(tokenHash: Buffer, accountId: number, expiresAt: Date): Promise<void> {
    await this.db.query('INSERT INTO sessions (token_hash, account_id, expires_at) VALUES ($1, $2, $3)', [
      tokenHash,
      accountId,
      expiresAt,
    ]);
  }

  async findSession(tokenHash: Buffer): Promise<{ accountId: number; expiresAt: Date } | null> {
    const { rows } = await this.db.query<{ account_id: number; expires_at: Date }>(
      'SELECT account_id, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > now()',
      [tokenHash],
    );
    const row = rows[0];
    return row ? { accountId: row.account_id, expiresAt: row.expires_at } : null;
  }

  async deleteSession(tokenHash: Buffer): Promise<void> {
    await this.db.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash]);
  }

  async setPassword(id: number, passwordHash: string, mustChange: boolean): Promise<void> {
    await this.db.query(
      'UPDATE accounts SET password_hash = $2, must_change_password = $3, password_changed_at = now() WHERE id = $1',
      [id, passwordHash, mustChange],
    );
  }

  async setRoles(id: number, roles: Role[]): Promise<void> {
    await this.db.query('UPDATE accounts SET roles = $2::account_role[] WHERE id = $1', [id, roles]);
  }

  async setDisabled(id: number, disabled: boolean): Promise<void> {
    await this.db.query('UPDATE accounts SET disabled = $2 WHERE id = $1', [id, disabled]);
  }

  /** Ends every session of an account, but the one with `keep` when given; returns how many. */
  async deleteSessionsOf(accountId: number, keep: Buffer | null = null): Promise<number> {
    const { rowCount } = await this.db.query(
      'DELETE FROM sessions WHERE account_id = $1 AND ($2::bytea IS NULL OR token_hash <> $2)',
      [accountId, keep],
    );
    return rowCount ?? 0;
  }

  async deleteExpiredSessions(): Promise<number> {
    const { rowCount } = await this.db.query('DELETE FROM sessions WHERE expires_at <= now()');
    return rowCount ?? 0;
  }
}
