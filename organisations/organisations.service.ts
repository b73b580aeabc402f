// Organisations: the town's command room, its four platforms and their stationed
// departments, villages, and the county's centre and departments; who works in each and
// with which duty (受理, 处置, 负责人). Admins of a town manage its organisations; a county
// organisation is managed by an admin who covers every town under it.
import type { AuthContext } from '../platform/auth/auth-context.js';
import type { Db } from '../platform/db/pool.js';
import { BadRequest, Conflict, Forbidden, NotFound, Unprocessable } from '../platform/errors.js';
import { COUNTY_KINDS, type Duty, type Member, type Organisation, type OrgKind, type Platform } from './model.js';
import { OrganisationsRepository, type OrganisationChange } from './organisations.repository.js';

export interface OrganisationInput {
  code: string;
  name: string;
  kind: OrgKind;
  /** The town, village or (for county organisations) county/district area code. */
  areaCode: string;
  parentCode?: string | null;
  platform?: Platform | null;
  categories?: string[];
  acceptMinutes?: number;
  finishMinutes?: number;
  phone?: string | null;
}

export interface OrgRecipients {
  name: string;
  phone: string | null;
  members: { accountId: number; displayName: string }[];
}

export class OrganisationsService {
  constructor(private readonly db: Db) {}

  private repo() {
    return new OrganisationsRepository(this.db);
  }

  async list(auth: AuthContext, filter: { kind?: OrgKind; townCode?: string } = {}): Promise<Organisation[]> {
    let townId: number | undefined;
    if (filter.townCode) {
      const town = await this.repo().area(filter.townCode);
      if (!town || town.level !== 'town') throw new NotFound(`Town ${filter.townCode}`);
      auth.assertTown(town.id);
      townId = town.id;
    }
    return this.repo().list(auth.townFilter, { kind: filter.kind, townId });
  }

  /** The organisation if the caller may see it (one of its towns is theirs), else 404. */
  async get(auth: AuthContext, id: number): Promise<Organisation> {
    const org = await this.repo().get(id);
    if (!org || !(await this.visible(auth, org))) throw new NotFound(`Organisation ${id}`);
    return org;
  }

  async detail(auth: AuthContext, id: number): Promise<Organisation & { memberList: Member[] }> {
    const org = await this.get(auth, id);
    return { ...org, memberList: await this.repo().members(id) };
  }

  private async visible(auth: AuthContext, org: Organisation): Promise<boolean> {
    if (org.townId !== null) return auth.canAccessTown(org.townId);
    return (await this.repo().townsOf(org.id)).some((t) => auth.canAccessTown(t));
  }

  /** An admin changes an organisation only when every town it answers for is theirs. */
  private async assertManages(auth: AuthContext, org: Pick<Organisation, 'id' | 'townId'>): Promise<void> {
    const towns = org.townId !== null ? [org.townId] : await this.repo().townsOf(org.id);
    if (!towns.every((t) => auth.canAccessTown(t)))
      throw new Forbidden('Only an admin of every town this organisation covers may change it');
  }

  async create(auth: AuthContext, input: OrganisationInput): Promise<Organisation> {
    const repo = this.repo();
    const area = await repo.area(input.areaCode);
    if (!area) throw new Unprocessable(`No area ${input.areaCode}`, { field: 'areaCode' }, 'unknown_area');
    const county = COUNTY_KINDS.includes(input.kind);
    if (county && area.level !== 'district' && area.level !== 'city')
      throw new Unprocessable('A county organisation serves a county or district area', { field: 'areaCode' });
    if (!county && area.townId === null)
      throw new Unprocessable('A town organisation serves its town or one of its villages', { field: 'areaCode' });
    if (input.kind === 'village' && area.level !== 'village')
      throw new Unprocessable('A village organisation (村社) serves a village', { field: 'areaCode' });
    const townId = county ? null : area.townId;
    if (townId !== null) auth.assertTown(townId);
    else if (auth.townFilter !== null) {
      const towns = await this.db.query<{ id: number }>(`SELECT id FROM areas WHERE parent_id = $1`, [area.id]);
      if (!towns.rows.every((t) => auth.canAccessTown(t.id)))
        throw new Forbidden('Only an admin of every town of the county may add its organisations');
    }
    const parentId = input.parentCode ? await this.parentId(auth, input.parentCode, townId) : null;
    if (await repo.byCode(input.code))
      throw new Conflict(`An organisation ${input.code} exists`, { field: 'code' }, 'duplicate_code');
    try {
      const id = await repo.insert({
        code: input.code,
        name: input.name,
        kind: input.kind,
        townId,
        areaId: area.id,
        parentId,
        platform: input.platform ?? null,
        categories: input.categories ?? [],
        acceptMinutes: input.acceptMinutes ?? null,
        finishMinutes: input.finishMinutes ?? null,
        phone: input.phone ?? null,
      });
      return (await repo.get(id))!;
    } catch (err) {
      throw constraintError(err);
    }
  }

  private async parentId(auth: AuthContext, code: string, townId: number | null): Promise<number> {
    const parent = await this.repo().byCode(code);
    if (!parent || !(await this.visible(auth, parent)))
      throw new Unprocessable(`No organisation ${code}`, { field: 'parentCode' }, 'unknown_parent');
    if (parent.townId !== null && parent.townId !== townId)
      throw new Unprocessable('The parent organisation belongs to another town', { field: 'parentCode' });
    return parent.id;
  }

  async update(
    auth: AuthContext,
    id: number,
    change: Omit<OrganisationChange, 'parentId'> & { parentCode?: string | null },
  ): Promise<Organisation> {
    const org = await this.get(auth, id);
    await this.assertManages(auth, org);
    const { parentCode, ...rest } = change;
    const parentId =
      parentCode === undefined
        ? undefined
        : parentCode === null
          ? null
          : await this.parentId(auth, parentCode, org.townId);
    if (parentId === id) throw new Unprocessable('An organisation is not its own parent', { field: 'parentCode' });
    try {
      await this.repo().update(id, { ...rest, ...(parentId === undefined ? {} : { parentId }) });
    } catch (err) {
      throw constraintError(err);
    }
    return (await this.repo().get(id))!;
  }

  async setMember(auth: AuthContext, orgId: number, accountId: number, duty: Duty): Promise<Member[]> {
    const org = await this.get(auth, orgId);
    await this.assertManages(auth, org);
    const towns = await this.repo().accountTowns(accountId);
    if (!towns) throw new Unprocessable(`No account ${accountId}`, { field: 'accountId' }, 'unknown_account');
    const orgTowns = org.townId !== null ? [org.townId] : await this.repo().townsOf(org.id);
    // The account must see the organisation's town(s), and the admin must see the account's.
    if (!towns.allTowns && !orgTowns.some((t) => towns.townIds.includes(t)))
      throw new Unprocessable(
        "The account is not scoped to this organisation's town: give it the town first",
        { field: 'accountId' },
        'other_town',
      );
    if (!towns.allTowns && !towns.townIds.every((t) => auth.canAccessTown(t)))
      throw new NotFound(`Account ${accountId}`);
    await this.repo().setMember(orgId, accountId, duty);
    return this.repo().members(orgId);
  }

  async removeMember(auth: AuthContext, orgId: number, accountId: number): Promise<Member[]> {
    const org = await this.get(auth, orgId);
    await this.assertManages(auth, org);
    if (!(await this.repo().removeMember(orgId, accountId)))
      throw new NotFound(`Account ${accountId} in organisation ${orgId}`);
    return this.repo().members(orgId);
  }

  /** The organisations the caller works in (a department's staff see their queue through them). */
  membershipsOf(accountId: number) {
    return this.repo().membershipsOf(accountId);
  }

  suggest(townId: number, platform: Platform, category: string) {
    return this.repo().suggest(townId, platform, category);
  }

  townsOf(orgId: number) {
    return this.repo().townsOf(orgId);
  }

  /** The command room of a town, or the county centre above it. */
  async centreOf(townId: number, kind: 'command_room' | 'county_centre'): Promise<Organisation | null> {
    const all = await this.repo().list([townId], { kind });
    return all.find((o) => o.active) ?? null;
  }

  /**
   * Who a message to the organisation reaches (the notifications domain asks): its
   * enabled accounts, and its own phone (an SMS to the duty phone); null when it is gone.
   */
  async recipientsOf(orgId: number): Promise<OrgRecipients | null> {
    const org = await this.repo().get(orgId);
    if (!org || !org.active) return null;
    return { name: org.name, phone: org.phone, members: await this.repo().enabledMembers(orgId) };
  }

  /** A town (not a village or county) by its code. */
  async townByCode(code: string): Promise<{ id: number } | null> {
    const area = await this.repo().area(code);
    return area && area.level === 'town' ? { id: area.id } : null;
  }

  byId(id: number) {
    return this.repo().get(id);
  }
}

function constraintError(err: unknown): unknown {
  const e = err as { code?: string; constraint?: string };
  if (e.code === '23514') return new BadRequest(`Refused by rule ${e.constraint}`, { constraint: e.constraint });
  if (e.code === '23505')
    return new Conflict('An organisation with this code exists', { field: 'code' }, 'duplicate_code');
  return err;
}
