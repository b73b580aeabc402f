import { createHash, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Db } from '../db/pool.js';
import { BadRequest, Conflict, Unauthorized } from '../errors.js';
import { AccountsRepository, type StoredAccount } from './accounts.repository.js';
import { AuthContext, type AccountIdentity } from './auth-context.js';
import { hashPassword, verifyPassword } from './password.js';
import type { Role } from './roles.js';
import { assertMayGrant, isWithinScope } from './account-scope.js';

// A resolved token is trusted for this long before the database is asked again,
// so a logout or a disabled account takes effect everywhere within this time.
const SESSION_CACHE_MS = 10_000;

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

function identity(account: StoredAccount): AccountIdentity {
  const { passwordHash: _hash, disabled: _disabled, ...rest } = account;
  return rest;
}

export interface CreateAccountInput {
  username: string;
  displayName: string;
  password: string;
  roles: Role[];
  townIds: number[];
  allTowns?: boolean;
}

export class AuthService {
  private readonly accounts: AccountsRepository;
  private readonly cache = new LRUCache<string, AuthContext>({ max: 10_000, ttl: SESSION_CACHE_MS });

  constructor(
    db: Db,
    private readonly sessionTtlHours: number,
  ) {
    this.accounts = new AccountsRepository(db);
  }

  async login(username: string, password: string): Promise<{ token: string; expiresAt: Date; account: AccountIdentity }> {
    const account = await this.accounts.findByUsername(username);
    // Verify even for an unknown user so timing does not reveal which usernames exist.
    const ok = await verifyPassword(password, account?.passwordHash ?? 'scrypt$16384$8$1$AAAA$AAAA');
    if (!account || !ok || account.disabled) throw new Unauthorized('Wrong username or password');
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.sessionTtlHours * 3_600_000);
    await this.accounts.insertSession(hashToken(token), account.id, expiresAt);
    return { token, expiresAt, account: identity(account) };
  }

  async logout(token: string): Promise<void> {
    this.cache.delete(token);
    await this.accounts.deleteSession(hashToken(token));
  }

  /** The caller behind a bearer token, or a 401. */
  async resolve(token: string): Promise<AuthContext> {
    const cached = this.cache.get(token);
    if (cached) return cached;
    const session = await this.accounts.findSession(hashToken(token));
    const account = session ? await this.accounts.findById(session.accountId) : null;
    if (!account || account.disabled) throw new Unauthorized('Your session has expired or was ended; log in again');
    const context = AuthContext.of(identity(account));
    this.cache.set(token, context);
    return context;
  }

  /** `caller`: the admin asking (none for the first admin); a town-scoped admin grants only within their towns. */
  async createAccount(input: CreateAccountInput, caller?: AuthContext): Promise<AccountIdentity> {
    if (caller) assertMayGrant(caller, input);
    if (await this.accounts.findByUsername(input.username)) {
      throw new Conflict(`An account named "${input.username}" already exists`, { field: 'username' });
    }
    const found = new Set(await this.accounts.existingTownIds(input.townIds));
    const missing = input.townIds.filter((id) => !found.has(id));
    if (missing.length) throw new BadRequest(`No town with id ${missing.join(', ')}`, { field: 'townIds', missing });
    const id = await this.accounts.insert({
      username: input.username,
      displayName: input.displayName,
      passwordHash: await hashPassword(input.password),
      roles: input.roles,
      allTowns: input.allTowns ?? false,
      townIds: input.townIds,
    });
    return identity((await this.accounts.findById(id))!);
  }

  /** Every account for an admin of every town; a town-scoped admin sees the accounts of their towns only. */
  async listAccounts(caller: AuthContext): Promise<AccountIdentity[]> {
    return (await this.accounts.list()).map(identity).filter((a) => isWithinScope(caller, a));
  }

  /** On an empty database, creates the first admin; returns its password once. */
  async ensureFirstAdmin(password = randomBytes(9).toString('base64url')): Promise<{ username: string; password: string } | null> {
    if ((await this.accounts.count()) > 0) return null;
    await this.createAccount({ username: 'admin', displayName: '系统管理员', password, roles: ['admin'], townIds: [], allTowns: true });
    return { username: 'admin', password };
  }
}
