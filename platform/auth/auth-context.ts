import { Forbidden, Unauthorized } from '../errors.js';
import { ROLE_RANK, type Role } from './roles.js';

export interface AccountIdentity {
  id: number;
  username: string;
  displayName: string;
  roles: Role[];
  allTowns: boolean;
  townIds: number[];
  /** Set until the account chooses its own password: everything else answers 403 till then. */
  mustChangePassword?: boolean;
}

/** Who is calling, and what they may touch. Services check towns through it. */
export class AuthContext {
  private readonly towns: ReadonlySet<number>;

  private constructor(readonly account: AccountIdentity | null) {
    this.towns = new Set(account?.townIds ?? []);
  }

  static anonymous(): AuthContext {
    return new AuthContext(null);
  }

  static of(account: AccountIdentity): AuthContext {
    return new AuthContext(account);
  }

  get isAuthenticated(): boolean {
    return this.account !== null;
  }

  /** The account, or a 401 when nobody logged in. */
  get me(): AccountIdentity {
    if (!this.account) throw new Unauthorized();
    return this.account;
  }

  get mustChangePassword(): boolean {
    return this.account?.mustChangePassword === true;
  }

  hasRole(...roles: readonly Role[]): boolean {
    const mine = this.account?.roles ?? [];
    return mine.includes('admin') || roles.some((r) => mine.includes(r));
  }

  get rank(): number {
    return Math.max(0, ...(this.account?.roles ?? []).map((r) => ROLE_RANK[r]));
  }

  canAccessTown(townId: number): boolean {
    return this.account !== null && (this.account.allTowns || this.towns.has(townId));
  }

  assertTown(townId: number, what = 'this town'): void {
    if (!this.canAccessTown(townId)) throw new Forbidden(`Your account is not scoped to ${what}`);
  }

  /** Town ids to filter queries by; null means every town. */
  get townFilter(): number[] | null {
    if (!this.account) return [];
    return this.account.allTowns ? null : [...this.towns];
  }
}
