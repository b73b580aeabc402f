// Handing a case to the organisation that can fix it (交办), up to the county (上报) and
// down to a town (下派), as a lifecycle of its own beside the incident's state:
//
//   offered → accepted → fed_back → closed (终结, by whoever handed it)
//   offered | accepted → returned (退回, with a reason: not ours) | withdrawn
//
// The incident moves only through the incidents service's own steps: the first handoff
// takes it up to the town (上报 steps, level town; an escalation to the county: city),
// closing the lead handoff records it handled (处置完成) with the department's feedback;
// the gridworker's revisit (回访, with the rating) and the close (办结) follow as before.
// Every step is in the incident's timeline with who and which organisation.
import type { AuthContext } from '../platform/auth/auth-context.js';
import { inTransaction, type Db } from '../platform/db/pool.js';
import { BadRequest, Conflict, Forbidden, NotFound, Unprocessable } from '../platform/errors.js';
import type { LiveBus } from '../platform/live/live-bus.js';
import { moduleLogger } from '../platform/logger.js';
import type { IncidentServices } from '../incidents/module.js';
import { HandoffsRepository, type Card, type LeagueRow } from './handoffs.repository.js';
import {
  OPEN_HANDOFF_STATES,
  type Duty,
  type Handoff,
  type HandoffEvent,
  type HandoffKind,
  type HandoffState,
  type Organisation,
  type QueueItem,
} from './model.js';
import type { OrganisationsService } from './organisations.service.js';
import type { QueueSort } from './organisations.schemas.js';

const log = moduleLogger('handoffs');
const LEVELS = ['grid', 'village', 'town', 'city'];
/** Incident states the 上报 step is taken from (the loop's table says so; a handled case stays). */
const ESCALATABLE = ['reported', 'dispatched', 'accepted', 'in_progress', 'returned', 'escalated'];
/** Incident states in which 处置完成 may be recorded by the command room. */
const HANDLEABLE = ['accepted', 'in_progress', 'escalated'];

export type HolderAction = 'accept' | 'feedback' | 'return';
export type CentreAction = 'close' | 'withdraw' | 'urge';

export interface OfferInput {
  /** The lead (主办) organisation's code. */
  lead: string;
  /** Co-handlers (协办). */
  helpers?: string[];
  note?: string | null;
}

export interface IncidentHandoffs {
  handoffs: Handoff[];
  events: HandoffEvent[];
  /** Organisations the caller may hand this incident to, the likeliest first. */
  suggestions: Pick<Organisation, 'id' | 'code' | 'name' | 'kind' | 'platform'>[];
  /** What the caller may do now: per handoff id, the actions. */
  actions: Record<number, string[]>;
  /** Whether the caller may hand it on now (a command room or a centre holding it). */
  canOffer: boolean;
}

export interface QueueRequest {
  open?: boolean;
  org?: string;
  kind?: HandoffKind;
  state?: HandoffState;
  /** A town's code: one town of the caller's. */
  town?: string;
  overdue?: boolean;
  q?: string;
  sort?: QueueSort;
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

export interface QueuePage {
  items: QueueItem[];
  /** How many match the filters in all (every page). */
  total: number;
  limit: number;
  offset: number;
  sort: QueueSort;
  order: 'asc' | 'desc';
  /** The organisations the caller works in, with their duty there. */
  orgs: { id: number; code: string; name: string; kind: string; duty: Duty }[];
}

interface Caller {
  accountId: number;
  label: string;
  commandRoom: boolean;
  orgs: (Organisation & { duty: Duty })[];
}

export class HandoffsService {
  constructor(
    private readonly db: Db,
    private readonly orgs: OrganisationsService,
    private readonly incidents: IncidentServices['incidents'],
    private readonly taxonomy: IncidentServices['taxonomy'],
    private readonly live: LiveBus,
  ) {}

  private async caller(auth: AuthContext): Promise<Caller> {
    const me = auth.me;
    return {
      accountId: me.id,
      label: me.displayName,
      commandRoom: auth.hasRole('operator', 'dispatcher'),
      orgs: await this.orgs.membershipsOf(me.id),
    };
  }

  /** The organisation the caller hands from: the county centre they work in when it holds the case, else the town's command room. */
  private async fromOrg(c: Caller, townId: number, open: Handoff[]): Promise<Organisation | null> {
    const centre = c.orgs.find(
      (o) => o.kind === 'county_centre' && open.some((h) => h.org.id === o.id && h.state === 'accepted'),
    );
    if (centre) return centre;
    const room = c.orgs.find((o) => o.kind === 'command_room' && o.townId === townId);
    return room ?? (await this.orgs.centreOf(townId, 'command_room'));
  }

  async forIncident(auth: AuthContext, incidentId: number): Promise<IncidentHandoffs> {
    const incident = await this.incidents.get(auth, incidentId);
    const c = await this.caller(auth);
    const repo = new HandoffsRepository(this.db);
    const [handoffs, events] = await Promise.all([repo.ofIncident(incidentId), repo.events(incidentId)]);
    const mine = new Set(c.orgs.map((o) => o.id));
    if (!c.commandRoom && !handoffs.some((h) => mine.has(h.org.id)))
      throw new NotFound(`Handoffs of incident ${incidentId} (none is yours)`);
    const sub = await this.taxonomy.require(incident.subcategoryCode);
    const open = handoffs.filter((h) => OPEN_HANDOFF_STATES.includes(h.state));
    const countyHolds = c.orgs.some(
      (o) => o.kind === 'county_centre' && open.some((h) => h.org.id === o.id && h.state === 'accepted'),
    );
    const suggestions = c.commandRoom
      ? countyHolds
        ? (await this.orgs.list(auth)).filter(
            (o) =>
              o.active &&
              (o.kind === 'county_department' || (o.kind === 'command_room' && o.townId === incident.townId)),
          )
        : [
            ...(await this.orgs.suggest(incident.townId, sub.platform, sub.categoryCode)),
            ...(await this.orgs.list(auth, { townCode: undefined })).filter(
              (o) =>
                o.active &&
                ((o.kind === 'village' && o.townId === incident.townId) ||
                  (o.kind === 'department' && o.townId === incident.townId && o.platform !== sub.platform) ||
                  (o.kind === 'county_centre' && o.townId === null)),
            ),
          ]
      : [];
    const actions: Record<number, string[]> = {};
    for (const h of handoffs) {
      const list: string[] = [];
      if (mine.has(h.org.id)) {
        if (h.state === 'offered') list.push('accept', 'return');
        if (h.state === 'accepted') list.push('feedback', 'return');
      }
      if (c.commandRoom && (h.fromOrg === null || mine.has(h.fromOrg.id) || !countyHolds)) {
        if (h.state === 'fed_back') list.push('close');
        if (OPEN_HANDOFF_STATES.includes(h.state)) list.push('urge', 'withdraw');
      }
      actions[h.id] = list;
    }
    return {
      handoffs,
      events,
      suggestions: dedupe(suggestions).map(({ id, code, name, kind, platform }) => ({
        id,
        code,
        name,
        kind,
        platform,
      })),
      actions,
      canOffer: c.commandRoom && ['closed', 'merged', 'unlocated'].indexOf(incident.state) < 0,
    };
  }

  /** 交办 / 上报 / 下派: hands the incident to a lead organisation and its co-handlers. */
  async offer(auth: AuthContext, incidentId: number, input: OfferInput, now = new Date()): Promise<IncidentHandoffs> {
    const incident = await this.incidents.get(auth, incidentId);
    if (['closed', 'merged', 'unlocated'].includes(incident.state))
      throw new Conflict(`An incident that is ${incident.state} is not handed to anyone`, { state: incident.state });
    const c = await this.caller(auth);
    if (!c.commandRoom) throw new Forbidden('Handing a case on is for the command room (operators, dispatchers)');
    const codes = [input.lead, ...(input.helpers ?? [])];
    if (new Set(codes).size !== codes.length)
      throw new BadRequest('An organisation is named twice', { field: 'helpers' }, 'duplicate');
    const targets: Organisation[] = [];
    for (const [i, code] of codes.entries()) {
      const org = (await this.orgs.list(auth)).find((o) => o.code === code);
      if (!org || !org.active)
        throw new Unprocessable(`No organisation ${code}`, { field: i === 0 ? 'lead' : 'helpers' }, 'unknown_org');
      if (org.townId !== null && org.townId !== incident.townId)
        throw new Unprocessable(`${org.name} belongs to another town`, { field: i === 0 ? 'lead' : 'helpers' });
      if (org.townId === null && !(await this.orgs.townsOf(org.id)).includes(incident.townId))
        throw new Unprocessable(`${org.name} does not cover this town`, { field: i === 0 ? 'lead' : 'helpers' });
      targets.push(org);
    }
    const lead = targets[0]!;
    const kind: HandoffKind =
      lead.kind === 'county_centre' ? 'escalation' : lead.kind === 'command_room' ? 'handdown' : 'handoff';
    if (kind !== 'handoff' && targets.length > 1)
      throw new BadRequest('上报 and 下派 go to one organisation, without co-handlers', { field: 'helpers' });
    if (targets.slice(1).some((t) => t.kind === 'county_centre' || t.kind === 'command_room'))
      throw new BadRequest('A co-handler is a department or a village', { field: 'helpers' });
    const repo0 = new HandoffsRepository(this.db);
    const existing = await repo0.ofIncident(incidentId);
    const open = existing.filter((h) => OPEN_HANDOFF_STATES.includes(h.state));
    const countyHeld = open.find((h) => h.kind === 'escalation' && h.state === 'accepted');
    if (targets.some((t) => t.kind === 'county_department') && !countyHeld)
      throw new Conflict(
        'County departments get a case from the county centre: 上报 it to the county first',
        { lead: input.lead },
        'not_at_county',
      );
    if (kind === 'handdown' && !countyHeld)
      throw new Conflict('下派 is the county centre handing a case it holds down to a town', {}, 'not_at_county');
    const from = await this.fromOrg(c, incident.townId, open);
    const sub = await this.taxonomy.require(incident.subcategoryCode);
    const rule = await repo0.deadlineRule(sub.code);
    const actor = await this.incidents.actorOf(auth);

    await inTransaction(this.db, async (tx) => {
      const repo = new HandoffsRepository(tx);
      await repo.lockIncident(incidentId);
      for (const [i, org] of targets.entries()) {
        const role = i === 0 ? 'lead' : 'helper';
        let id: number;
        try {
          id = await repo.insert({
            incidentId,
            townId: incident.townId,
            orgId: org.id,
            fromOrgId: from?.id ?? null,
            kind,
            role,
            offeredBy: c.accountId,
            note: input.note ?? null,
            now,
            acceptMinutes: rule?.acceptMinutes ?? org.acceptMinutes,
            finishMinutes: rule?.finishMinutes ?? org.finishMinutes,
          });
        } catch (err) {
          if ((err as { code?: string }).code === '23505')
            throw new Conflict(
              role === 'lead'
                ? 'This incident has an open lead handoff: withdraw it or wait for it to be returned'
                : `${org.name} holds this incident already`,
              { org: org.code },
              'already_handed',
            );
          throw err;
        }
        await repo.addEvent({
          handoffId: id,
          incidentId,
          action: kind,
          accountId: c.accountId,
          label: c.label,
          orgId: from?.id ?? null,
          note: input.note ?? null,
          data: { to: { id: org.id, name: org.name }, role },
          at: now,
        });
      }
    });
    const verb = kind === 'escalation' ? '上报' : kind === 'handdown' ? '下派' : '交办';
    const names = targets.map((t, i) => (i === 0 ? `${t.name}（主办）` : `${t.name}（协办）`)).join('、');
    await this.incidents.recordStep({ ...actor, label: withOrg(c.label, from) }, incidentId, {
      action: `handoff.${kind}`,
      note: `${verb}：${names}${input.note ? ` — ${input.note}` : ''}`,
      data: { orgs: codes },
    });
    // The case is now the town's (a county's: the city level's): the loop's 上报 steps say so.
    await this.raiseLevel(auth, incidentId, kind === 'escalation' ? 'city' : 'town', `${verb}：${lead.name}`);
    await this.announce(
      incident.townId,
      incidentId,
      kind,
      targets.map((t) => t.id),
    );
    return this.forIncident(auth, incidentId);
  }

  private async raiseLevel(auth: AuthContext, incidentId: number, to: string, note: string): Promise<void> {
    const actor = await this.incidents.actorOf(auth);
    for (let n = 0; n < LEVELS.length; n++) {
      const inc = await this.incidents.get(auth, incidentId);
      if (LEVELS.indexOf(inc.level) >= LEVELS.indexOf(to) || !ESCALATABLE.includes(inc.state)) return;
      await this.incidents.act(actor, incidentId, { action: 'escalate', note }, auth.townFilter);
    }
  }

  /** A holder's step: accept (受理), feedback (反馈, after handling), return (退回, with the reason). */
  async hold(
    auth: AuthContext,
    incidentId: number,
    input: { action: HolderAction; note?: string | null; org?: string },
    now = new Date(),
  ): Promise<IncidentHandoffs> {
    const incident = await this.incidents.get(auth, incidentId);
    const c = await this.caller(auth);
    const repo = new HandoffsRepository(this.db);
    const mine = (await repo.ofIncident(incidentId)).filter(
      (h) =>
        OPEN_HANDOFF_STATES.includes(h.state) &&
        c.orgs.some((o) => o.id === h.org.id) &&
        (!input.org || h.org.code === input.org),
    );
    if (mine.length === 0)
      throw new Forbidden('Only a member of an organisation holding this incident takes its steps');
    if (mine.length > 1)
      throw new BadRequest('You work in several organisations holding it: say which (org)', { field: 'org' });
    const h = mine[0]!;
    const org = c.orgs.find((o) => o.id === h.org.id)!;
    const from: Record<HolderAction, string[]> = {
      accept: ['offered'],
      feedback: ['accepted'],
      return: ['offered', 'accepted'],
    };
    const to: Record<HolderAction, string> = { accept: 'accepted', feedback: 'fed_back', return: 'returned' };
    if ((input.action === 'return' || input.action === 'feedback') && !input.note?.trim())
      throw new BadRequest(
        input.action === 'return' ? '退回 needs the reason (note)' : '反馈 needs what was done (note)',
        { field: 'note' },
        'note_required',
      );
    await inTransaction(this.db, async (tx) => {
      const r = new HandoffsRepository(tx);
      await r.lockIncident(incidentId);
      if (
        !(await r.move(h.id, from[input.action], to[input.action], { accountId: c.accountId, note: input.note, now }))
      )
        throw new Conflict(
          `A handoff that is ${h.state} cannot be given "${input.action}"`,
          { state: h.state, action: input.action },
          'illegal_transition',
        );
      await r.addEvent({
        handoffId: h.id,
        incidentId,
        action: input.action,
        accountId: c.accountId,
        label: c.label,
        orgId: org.id,
        note: input.note ?? null,
        at: now,
      });
    });
    const verb = { accept: '受理', feedback: '反馈', return: '退回' }[input.action];
    await this.incidents.recordStep(
      { ...(await this.incidents.actorOf(auth)), label: withOrg(c.label, org) },
      incidentId,
      {
        action: `handoff.${input.action}`,
        note: `${org.name}${verb}${input.note ? `：${input.note}` : ''}`,
        data: { handoffId: h.id },
      },
    );
    await this.announce(incident.townId, incidentId, input.action, [h.org.id], { handoffId: h.id });
    return this.forIncident(auth, incidentId);
  }

  /** The hander's step: close (终结, after the feedback), withdraw, or urge (督办). */
  async steer(
    auth: AuthContext,
    incidentId: number,
    input: { action: CentreAction; handoffId: number; note?: string | null },
    now = new Date(),
  ): Promise<IncidentHandoffs> {
    const incident = await this.incidents.get(auth, incidentId);
    const c = await this.caller(auth);
    if (!c.commandRoom) throw new Forbidden('Closing, withdrawing and urging a handoff is for the command room');
    const repo = new HandoffsRepository(this.db);
    const h = (await repo.ofIncident(incidentId)).find((x) => x.id === input.handoffId);
    if (!h) throw new NotFound(`Handoff ${input.handoffId} of incident ${incidentId}`);
    // What the county centre handed on is the county's to steer.
    if (
      h.fromOrg &&
      !c.orgs.some((o) => o.id === h.fromOrg!.id) &&
      (await this.orgs.byId(h.fromOrg.id))?.kind !== 'command_room'
    )
      throw new Forbidden(`Only ${h.fromOrg.name} steers what it handed on`);
    const from = await this.fromOrg(c, incident.townId, []);
    const actor = { ...(await this.incidents.actorOf(auth)), label: withOrg(c.label, from) };
    if (input.action === 'urge') {
      if (!OPEN_HANDOFF_STATES.includes(h.state))
        throw new Conflict(`A handoff that is ${h.state} needs no urging`, { state: h.state }, 'illegal_transition');
      const eventId = await repo.addEvent({
        handoffId: h.id,
        incidentId,
        action: 'urge',
        accountId: c.accountId,
        label: c.label,
        orgId: from?.id ?? null,
        note: input.note ?? null,
        at: now,
      });
      await this.incidents.recordStep(actor, incidentId, {
        action: 'handoff.urge',
        note: `督办 ${h.org.name}${input.note ? `：${input.note}` : ''}`,
        data: { handoffId: h.id },
      });
      // The holder's accounts hear of it (notifications: in the app, SMS to its phone); eventId: each 督办 once.
      await this.announce(incident.townId, incidentId, 'urge', [h.org.id], {
        note: input.note ?? null,
        handoffId: h.id,
        eventId,
        orgName: h.org.name,
        title: incident.subcategoryName,
      });
      return this.forIncident(auth, incidentId);
    }
    const fromStates = input.action === 'close' ? ['fed_back'] : [...OPEN_HANDOFF_STATES];
    const closing = input.action === 'close' ? 'closed' : 'withdrawn';
    const all = await repo.ofIncident(incidentId);
    await inTransaction(this.db, async (tx) => {
      const r = new HandoffsRepository(tx);
      await r.lockIncident(incidentId);
      if (!(await r.move(h.id, fromStates, closing, { now })))
        throw new Conflict(
          input.action === 'close'
            ? `终结 comes after the department's feedback; this handoff is ${h.state}`
            : `A handoff that is ${h.state} cannot be withdrawn`,
          { state: h.state },
          'illegal_transition',
        );
      // The lead's close ends the co-handlers' part too.
      if (h.role === 'lead' && input.action === 'close')
        for (const x of all.filter(
          (x) => x.role === 'helper' && x.kind === h.kind && OPEN_HANDOFF_STATES.includes(x.state),
        ))
          await r.move(x.id, [...OPEN_HANDOFF_STATES], 'closed', { now });
      await r.addEvent({
        handoffId: h.id,
        incidentId,
        action: input.action,
        accountId: c.accountId,
        label: c.label,
        orgId: from?.id ?? null,
        note: input.note ?? null,
        at: now,
      });
    });
    if (input.action === 'close' && h.role === 'lead') {
      const inc = await this.incidents.get(auth, incidentId);
      const note = `${h.org.name}办理完毕：${h.feedback ?? ''}${input.note ? ` — ${input.note}` : ''}`;
      if (HANDLEABLE.includes(inc.state))
        await this.incidents.act(actor, incidentId, { action: 'handle', note }, auth.townFilter);
      else await this.incidents.recordStep(actor, incidentId, { action: 'handoff.close', note });
    } else {
      await this.incidents.recordStep(actor, incidentId, {
        action: `handoff.${input.action}`,
        note: `${input.action === 'close' ? '终结' : '撤回'} ${h.org.name}${input.note ? `：${input.note}` : ''}`,
        data: { handoffId: h.id },
      });
    }
    await this.announce(incident.townId, incidentId, input.action, [h.org.id], { handoffId: h.id });
    return this.forIncident(auth, incidentId);
  }

  /** A holder's photos of what was done, attached to the incident (反馈照片). */
  async addPhoto(auth: AuthContext, incidentId: number, contentType: string, body: Buffer) {
    const c = await this.caller(auth);
    const open = (await new HandoffsRepository(this.db).ofIncident(incidentId)).filter(
      (h) => OPEN_HANDOFF_STATES.includes(h.state) && c.orgs.some((o) => o.id === h.org.id),
    );
    await this.incidents.get(auth, incidentId);
    if (open.length === 0) throw new NotFound(`An open handoff of incident ${incidentId} to your organisation`);
    return this.incidents.addMedia(await this.incidents.actorOf(auth), incidentId, contentType, body, auth.townFilter);
  }

  /**
   * One page of the caller's queue: what their organisations hold; for the command room (and
   * a county centre's staff, over all their towns) every handoff of their towns. Filters,
   * order and paging are the server's: a county's thousands of rows never travel at once.
   */
  async queue(auth: AuthContext, f: QueueRequest, now = new Date()): Promise<QueuePage> {
    const c = await this.caller(auth);
    let orgIds: number[] | null = c.orgs.map((o) => o.id);
    if (f.org) {
      const org = (await this.orgs.list(auth)).find((o) => o.code === f.org);
      if (!org) throw new NotFound(`Organisation ${f.org}`);
      if (!c.commandRoom && !orgIds.includes(org.id)) throw new NotFound(`Organisation ${f.org}`);
      orgIds = [org.id];
    } else if (c.commandRoom) orgIds = null;
    let townId: number | undefined;
    if (f.town) {
      const town = await this.orgs.townByCode(f.town);
      if (!town) throw new NotFound(`Town ${f.town}`);
      auth.assertTown(town.id);
      townId = town.id;
    }
    const sort = f.sort ?? 'due';
    const order = f.order ?? (sort === 'offered' || sort === 'severity' ? 'desc' : 'asc');
    const limit = f.limit ?? 100;
    const offset = f.offset ?? 0;
    const { items, total } = await new HandoffsRepository(this.db).queue({
      orgIds,
      townIds: auth.townFilter,
      open: f.open ?? true,
      state: f.state,
      kind: f.kind,
      townId,
      overdue: f.overdue,
      search: f.q || undefined,
      sort,
      order,
      limit,
      offset,
      now,
    });
    return {
      items,
      total,
      limit,
      offset,
      sort,
      order,
      orgs: c.orgs.map(({ id, code, name, kind, duty }) => ({ id, code, name, kind, duty })),
    };
  }

  cards(auth: AuthContext, limit: number): Promise<Card[]> {
    return new HandoffsRepository(this.db).cards({ townIds: auth.townFilter, limit });
  }

  league(auth: AuthContext, from: Date, to: Date, now = new Date()): Promise<LeagueRow[]> {
    return new HandoffsRepository(this.db).league({ townIds: auth.townFilter, from, to, now });
  }

  deadlineRules() {
    return new HandoffsRepository(this.db).deadlineRules();
  }

  async setDeadlineRule(code: string, acceptMinutes: number, finishMinutes: number) {
    await this.taxonomy.require(code);
    if (finishMinutes < acceptMinutes)
      throw new BadRequest('The finish deadline cannot come before the accept deadline', { field: 'finishMinutes' });
    await new HandoffsRepository(this.db).setDeadlineRule(code, acceptMinutes, finishMinutes);
    return { subcategoryCode: code, acceptMinutes, finishMinutes };
  }

  /**
   * Yellow cards to the holders that missed a deadline by `now`, and reminders (催办)
   * to those whose deadline comes within `remindMinutes`. The leader runs it every
   * round; tests tell it the time.
   */
  async sweep(now = new Date(), remindMinutes = 240): Promise<{ cards: Card[]; reminders: number }> {
    const repo = new HandoffsRepository(this.db);
    const cards = await repo.cardsDue(now);
    for (const card of cards)
      await repo.addEvent({
        handoffId: card.handoffId,
        incidentId: card.incidentId,
        action: 'yellow_card',
        accountId: null,
        label: '系统',
        orgId: null,
        note: `${card.orgName} 未在时限内${card.kind === 'accept' ? '受理' : '办结'}：黄牌`,
        data: { kind: card.kind, orgId: card.orgId },
        at: card.givenAt,
      });
    const reminders = await repo.remindersDue(now, remindMinutes);
    for (const r of reminders)
      await repo.addEvent({
        handoffId: r.id,
        incidentId: r.incidentId,
        action: 'remind',
        accountId: null,
        label: '系统',
        orgId: null,
        note: `催办：${r.orgName} 的${r.kind === 'accept' ? '受理' : '办结'}时限将到`,
        data: { kind: r.kind, dueAt: r.dueAt },
        at: now,
      });
    await this.live
      .publish([
        ...cards.map((card) => ({ topic: 'handoffs', townId: card.townId, data: { action: 'yellow_card', card } })),
        ...reminders.map((r) => ({ topic: 'handoffs', townId: r.townId, data: { action: 'remind', ...r } })),
      ])
      .catch((err: unknown) => log.warn({ err }, 'handoff events not published'));
    if (cards.length) log.info({ cards: cards.length }, 'yellow cards to departments');
    return { cards, reminders: reminders.length };
  }

  private async announce(
    townId: number,
    incidentId: number,
    action: string,
    orgIds: number[],
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    await this.live
      .publish([{ topic: 'handoffs', townId, data: { action, incidentId, orgIds, ...extra } }])
      .catch((err: unknown) => log.warn({ err }, 'handoff event not published'));
  }
}

function withOrg(label: string, org: Pick<Organisation, 'name'> | null): string {
  return org ? `${label}（${org.name}）` : label;
}

function dedupe<T extends { id: number }>(list: T[]): T[] {
  const seen = new Set<number>();
  return list.filter((x) => !seen.has(x.id) && seen.add(x.id));
}

export type { Card, LeagueRow };
