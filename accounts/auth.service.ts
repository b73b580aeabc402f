import { createHash, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Redis } from 'ioredis';
import type { Db } from '../platform/db/pool.js';
import { BadRequest, Conflict, Forbidden, NotFound, Unauthorized } from '../platform/errors.js';
import { moduleLogger } from '../platform/logger.js';
import { AccountsRepository, type StoredAccount } from './accounts.repository.js';
import { AuthContext, type AccountIdentity } from '../platform/auth/auth-context.js';
import { dummyHash, hashPassword, verifyPassword } from './password.js';
import { HashGate } from './hash-gate.js';
import { DEFAULT_THROTTLE, LoginThrottle, type ThrottleLimits } from './login-throttle.js';
import { SecurityLog } from '../platform/auth/security-log.js';
import type { Role } from '../platform/auth/roles.js';
import { assertMayGrant, isWithinScope } from '../platform/auth/account-scope.js';

const log = moduleLogger('auth');

// A resolved token is trusted for this long before the database is asked again,
// so a logout or a disabled account takes effect on other instances within this time
// (on this instance at once: revoking drops the account's cached sessions).
const SESSION_CACHE_MS = 10_000;

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

function identity(account: StoredAccount): AccountIdentity {
  const { passwordHash: _hash, disabled: _disabled, mustChangePassword, ...rest } = account;
  return { ...rest, mustChangePassword };
}

export interface CreateAccountInput {
  username: string;
  displayName: string;
  password: string;
  roles: Role[];
  townIds: number[];
  allTowns?: boolean;
  mustChangePassword?: boolean;
}

export interface AccountChange {
  roles?: Role[];
  disabled?: boolean;
}

export interface AuthOptions {
  redis: Redis;
  redisPrefix: string;
  throttle?: ThrottleLimits;
  /** Password hashes running at once, and waiting, before 503. */
  hashConcurrency?: number;
  hashQueue?: number;
  /** Production: the first admin must choose a password even when ADMIN_PASSWORD gave one. */
  production?: boolean;
}

export class AuthService {
  private readonly accounts: AccountsRepository;
  private readonly cache = new LRUCache<string, AuthContext>({ max: 10_000, ttl: SESSION_CACHE_MS });
  readonly throttle: LoginThrottle;
  readonly hashes: HashGate;
  readonly securityLog: SecurityLog;
  private purgeTimer: NodeJS.Timeout | undefined;

  constructor(
    db: Db,
    private readonly sessionTtlHours: number,
    private readonly options: AuthOptions,
  ) {
    this.accounts = new AccountsRepository(db);
    this.throttle = new LoginThrottle(options.redis, options.redisPrefix, options.throttle ?? DEFAULT_THROTTLE);
    this.hashes = new HashGate(options.hashConcurrency ?? 2, options.hashQueue ?? 16);
    this.securityLog = new SecurityLog(db);
    void dummyHash(); // made now, so the first unknown username costs no more than later ones
  }

  async login(
    username: string,
    password: string,
    ip = 'unknown',
  ): Promise<{ token: string; expiresAt: Date; account: AccountIdentity; mustChangePassword: boolean }> {
    this.hashes.assertRoom();
    await this.throttle.check(username, ip);
    const account = await this.accounts.findByUsername(username);
    // Verify even for an unknown user, against a hash with the same parameters, so the
    // answer's time does not tell which usernames exist.
    const hash = account?.passwordHash ?? (await dummyHash());
    const ok = await this.hashes.run(() => verifyPassword(password, hash));
    if (!account || !ok || account.disabled) {
      const reached = await this.throttle.failed(username, ip);
      const towns = account?.townIds ?? [];
      const reason = !account ? 'unknown_username' : !ok ? 'wrong_password' : 'disabled';
      await this.securityLog.record({
        kind: 'login.failed',
        actorName: username,
        ip,
        townIds: towns,
        subject: username,
        details: { reason },
      });
      if (reached) {
        await this.securityLog.record({
          kind: 'login.throttled',
          actorName: username,
          ip,
          townIds: towns,
          subject: username,
          details: { by: reached },
        });
      }
      throw new Unauthorized('Wrong username or password');
    }
    await this.throttle.succeeded(username);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.sessionTtlHours * 3_600_000);
    await this.accounts.insertSession(hashToken(token), account.id, expiresAt);
    await this.securityLog.record({
      kind: 'login.succeeded',
      actor: account,
      ip,
      townIds: account.townIds,
      subject: account.username,
    });
    return { token, expiresAt, account: identity(account), mustChangePassword: account.mustChangePassword };
  }

  async logout(token: string): Promise<void> {
    this.cache.delete(token);
    await this.accounts.deleteSession(hashToken(token));
  }

  /** Ends every session of the caller, this one included. */
  async logoutEverywhere(auth: AuthContext, ip?: string): Promise<{ sessionsEnded: number }> {
    const me = auth.me;
    const sessionsEnded = await this.revokeSessions(me.id);
    await this.securityLog.record({
      kind: 'logout.everywhere',
      actor: me,
      ip,
      townIds: me.townIds,
      subject: me.username,
      details: { sessionsEnded },
    });
    return { sessionsEnded };
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

  /** Asks the database again, past the cache: live streams call it to notice a revocation. */
  async stillValid(token: string, accountId: number): Promise<boolean> {
    this.cache.delete(token);
    try {
      return (await this.resolve(token)).me.id === accountId;
    } catch (err) {
      if (err instanceof Unauthorized) return false;
      throw err;
    }
  }

  /** The caller changes their own password, proving the current one; their other sessions end. */
  async changePassword(
    auth: AuthContext,
    token: string,
    currentPassword: string,
    newPassword: string,
    ip = 'unknown',
  ): Promise<void> {
    const me = auth.me;
    // A stolen session must not become a way to guess the password without limit.
    await this.throttle.check(me.username, ip);
    const account = await this.accounts.findById(me.id);
    if (!account) throw new Unauthorized();
    if (!(await this.hashes.run(() => verifyPassword(currentPassword, account.passwordHash)))) {
      await this.throttle.failed(me.username, ip);
      await this.securityLog.record({
        kind: 'login.failed',
        actor: me,
        ip,
        townIds: me.townIds,
        subject: me.username,
        details: { reason: 'wrong_current_password' },
      });
      throw new BadRequest('The current password is wrong', { field: 'currentPassword' }, 'wrong_password');
    }
    if (currentPassword === newPassword) {
      throw new BadRequest(
        'The new password must differ from the current one',
        { field: 'newPassword' },
        'same_password',
      );
    }
    const hash = await this.hashes.run(() => hashPassword(newPassword));
    await this.accounts.setPassword(me.id, hash, false);
    await this.revokeSessions(me.id, token);
    await this.securityLog.record({
      kind: 'account.password_changed',
      actor: me,
      ip,
      townIds: me.townIds,
      subject: me.username,
    });
  }

  /** `by`: the admin asking (none for the first admin); a town-scoped admin grants only within their towns. */
  async createAccount(input: CreateAccountInput, by?: AuthContext, ip?: string): Promise<AccountIdentity> {
    if (by) assertMayGrant(by, input);
    const taken = () => new Conflict(`An account named "${input.username}" already exists`, { field: 'username' });
    if (await this.accounts.findByUsername(input.username)) throw taken();
    const found = new Set(await this.accounts.existingTownIds(input.townIds));
    const missing = input.townIds.filter((id) => !found.has(id));
    if (missing.length) throw new BadRequest(`No town with id ${missing.join(', ')}`, { field: 'townIds', missing });
    const id = await this.accounts.insert({
      username: input.username,
      displayName: input.displayName,
      passwordHash: await this.hashes.run(() => hashPassword(input.password)),
      roles: input.roles,
      allTowns: input.allTowns ?? false,
      townIds: input.townIds,
      mustChangePassword: input.mustChangePassword ?? false,
    });
    // Checked above, but another request (or another api instance) may have taken it since.
    if (id === null) throw taken();
    const created = (await this.accounts.findById(id))!;
    await this.securityLog.record({
      kind: 'account.created',
      actor: by?.account ?? null,
      ip,
      townIds: created.townIds,
      subject: created.username,
      details: { accountId: id, roles: created.roles, allTowns: created.allTowns },
    });
    return identity(created);
  }

  /** Every account for an admin of every town; a town-scoped admin sees the accounts of their towns only. */
  async listAccounts(caller: AuthContext): Promise<AccountIdentity[]> {
    return (await this.accounts.list()).map(identity).filter((a) => isWithinScope(caller, a));
  }

  /** An admin disables or enables an account or changes its roles; its sessions end. */
  async changeAccount(
    auth: AuthContext,
    id: number,
    change: AccountChange,
    ip?: string,
    callerToken?: string,
  ): Promise<AccountIdentity> {
    const target = await this.manageable(auth, id);
    if (target.id === auth.me.id && (change.disabled === true || (change.roles && !change.roles.includes('admin')))) {
      throw new Conflict('You cannot disable your own account or take away your own admin role', {
        field: change.disabled ? 'disabled' : 'roles',
      });
    }
    if (change.roles?.includes('admin') && !target.roles.includes('admin') && !auth.me.allTowns) {
      throw new Forbidden('Only an admin of every town can make another admin');
    }
    const events: Parameters<SecurityLog['record']>[0][] = [];
    const base = { actor: auth.me, ip, townIds: target.townIds, subject: target.username };
    if (change.disabled !== undefined && change.disabled !== target.disabled) {
      await this.accounts.setDisabled(id, change.disabled);
      events.push({
        ...base,
        kind: change.disabled ? 'account.disabled' : 'account.enabled',
        details: { accountId: id },
      });
    }
    const roles = change.roles ? [...new Set(change.roles)].sort() : null;
    if (roles && roles.join() !== [...target.roles].sort().join()) {
      await this.accounts.setRoles(id, roles);
      events.push({
        ...base,
        kind: 'account.roles_changed',
        details: { accountId: id, from: target.roles, to: roles },
      });
    }
    if (events.length) {
      // An admin changing their own roles keeps the session they are doing it from.
      const sessionsEnded = await this.revokeSessions(id, id === auth.me.id ? callerToken : undefined);
      for (const e of events) await this.securityLog.record({ ...e, details: { ...e.details, sessionsEnded } });
    }
    return identity((await this.accounts.findById(id))!);
  }

  /** An admin sets a new password for someone who forgot theirs; they must change it at next login. */
  async resetPassword(auth: AuthContext, id: number, password: string, ip?: string): Promise<void> {
    const target = await this.manageable(auth, id);
    await this.accounts.setPassword(id, await this.hashes.run(() => hashPassword(password)), true);
    const sessionsEnded = await this.revokeSessions(id);
    await this.securityLog.record({
      kind: 'account.password_reset',
      actor: auth.me,
      ip,
      townIds: target.townIds,
      subject: target.username,
      details: { accountId: id, sessionsEnded },
    });
  }

  /** An account the caller may manage: every account for an all-towns admin, else one within their towns. */
  private async manageable(auth: AuthContext, id: number): Promise<StoredAccount> {
    const target = await this.accounts.findById(id);
    if (!target) throw new NotFound(`Account ${id}`);
    const mine = auth.me;
    if (
      !mine.allTowns &&
      (target.allTowns || target.townIds.length === 0 || !target.townIds.every((t) => auth.canAccessTown(t)))
    ) {
      throw new Forbidden('This account reaches beyond your towns');
    }
    return target;
  }

  /** Deletes the account's sessions (but `keepToken`'s) and forgets them in this instance's cache. */
  private async revokeSessions(accountId: number, keepToken?: string): Promise<number> {
    const ended = await this.accounts.deleteSessionsOf(accountId, keepToken ? hashToken(keepToken) : null);
    for (const [token, context] of this.cache.entries()) {
      if (context.account?.id === accountId) this.cache.delete(token);
    }
    return ended;
  }

  /** Deletes expired sessions now and then every `everyMs`. */
  startPurge(everyMs = 3_600_000): void {
    const purge = () =>
      this.purgeExpiredSessions().catch((err: unknown) => log.warn({ err }, 'expired session purge failed'));
    void purge();
    this.purgeTimer = setInterval(() => void purge(), everyMs);
    this.purgeTimer.unref();
  }

  stopPurge(): void {
    clearInterval(this.purgeTimer);
  }

  async purgeExpiredSessions(): Promise<number> {
    const n = await this.accounts.deleteExpiredSessions();
    if (n > 0) log.info({ sessions: n }, 'expired sessions purged');
    return n;
  }

  /**
   * On an empty database, creates the first admin; returns its password once. A
   * generated password (and any in production) must be changed at first login, so
   * the one printed or kept in a file stops working once the admin has logged in.
   */
  async ensureFirstAdmin(password?: string): Promise<{ username: string; password: string } | null> {
    if ((await this.accounts.count()) > 0) return null;
    const chosen = password ?? randomBytes(9).toString('base64url');
    // Several api instances started at once all find no account: one creates the admin.
    const created = await this.createAccount({
      username: 'admin',
      displayName: '系统管理员',
      password: chosen,
      roles: ['admin'],
      townIds: [],
      allTowns: true,
      mustChangePassword: password === undefined || this.options.production === true,
    }).catch((err: unknown) => {
      if (err instanceof Conflict) return null;
      throw err;
    });
    return created && { username: 'admin', password: chosen };
  }
}
