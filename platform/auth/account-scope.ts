// An admin of some towns is an admin of those towns only: the accounts they make and
// see stay inside them. Only an admin of every town makes admins or accounts of every town.
import type { AuthContext, AccountIdentity } from './auth-context.js';
import { Forbidden } from '../errors.js';
import type { Role } from './roles.js';

export function assertMayGrant(
  caller: AuthContext,
  wanted: { roles: Role[]; townIds: number[]; allTowns?: boolean },
): void {
  if (caller.townFilter === null) return;
  if (wanted.allTowns) throw new Forbidden('Only an admin of every town makes accounts of every town');
  if (wanted.roles.includes('admin')) throw new Forbidden('Only an admin of every town makes admin accounts');
  if (wanted.townIds.length === 0) throw new Forbidden('Give the account one of your towns (townIds)');
  const outside = wanted.townIds.filter((id) => !caller.canAccessTown(id));
  if (outside.length) throw new Forbidden(`Your account is not scoped to town ${outside.join(', ')}`);
}

/** Whether a town-scoped admin may see this account: it belongs to one of their towns, and to no other. */
export function isWithinScope(caller: AuthContext, account: AccountIdentity): boolean {
  if (caller.townFilter === null) return true;
  if (account.allTowns) return false;
  return account.townIds.length > 0 && account.townIds.every((id) => caller.canAccessTown(id));
}

/** What every town shares (the taxonomy) is changed only by an admin of every town. */
export function assertEveryTown(caller: AuthContext, what: string): void {
  if (caller.townFilter !== null) throw new Forbidden(`Only an admin of every town changes ${what}`);
}
