// The closed loop after intake: the incident's card and timeline, the steps taken on it
// (start, handle, verify, close, return, escalate, merge) by whoever the state machine
// allows, its photos, and the nearest gridworkers for a dispatcher to choose from.
import type { PoolClient } from 'pg';
import { LRUCache } from 'lru-cache';
import type { AuthContext } from '../platform/auth/auth-context.js';
import { inTransaction, type Db } from '../platform/db/pool.js';
import { PeopleRepository } from '../people/module.js';
import { AppError, BadRequest, Conflict, Forbidden, NotFound, Unprocessable } from '../platform/errors.js';
import type { MediaStore } from '../platform/media-store.js';
import { DeadlinesRepository } from './deadlines.repository.js';
import { DispatchRepository, type Candidate, type Offer } from './dispatch.repository.js';
import type { DispatchService } from './dispatch.service.js';
import type { IncidentEvents } from './incident-events.js';
import type { IncidentJobs } from './incident-jobs.js';
import { IncidentsRepository, type IncidentFilter, type Report, type TimelineEntry } from './incidents.repository.js';
import { MediaRepository, type IncidentMedia } from './media.repository.js';
import { ESCALATION_LEVELS, type Actor, type Incident, type IncidentState } from './model.js';
import { availableActions, decide, OPEN_TASK_STATES, type IncidentAction } from './state-machine.js';
import type { Deadline } from './deadlines.repository.js';
import { CONTACT_ROLES } from '../platform/auth/roles.js';

export interface ActionInput {
  action: Exclude<IncidentAction, 'dispatch' | 'accept' | 'settle'>;
  note?: string | null;
  rating?: number;
  mergeInto?: number;
  lon?: number;
  lat?: number;
}

export interface IncidentDetail {
  incident: Incident;
  reports: Report[];
  media: IncidentMedia[];
  timeline: TimelineEntry[];
  offers: Offer[];
  deadlines: Deadline[];
  mergedFrom: number[];
  liveSources: { id: number; name: string; live: boolean; attachedAt: Date }[];
  actions: IncidentAction[];
}

const MEDIA_TYPES: { type: string; kind: 'photo' | 'video'; ext: string; magic: (b: Buffer) => boolean }[] = [
  { type: 'image/jpeg', kind: 'photo', ext: 'jpg', magic: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  {
    type: 'image/png',
    kind: 'photo',
    ext: 'png',
    magic: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  },
  {
    type: 'image/webp',
    kind: 'photo',
    ext: 'webp',
    magic: (b) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP',
  },
  { type: 'video/mp4', kind: 'video', ext: 'mp4', magic: (b) => b.toString('latin1', 4, 8) === 'ftyp' },
];
export const MEDIA_CONTENT_TYPES = MEDIA_TYPES.map((m) => m.type);

export class IncidentsService {
  constructor(
    private readonly db: Db,
    private readonly dispatcher: DispatchService,
    private readonly jobs: IncidentJobs,
    private readonly events: IncidentEvents,
    private readonly media: MediaStore,
    private readonly mediaMaxBytes: number,
    private readonly peopleChanged: (personIds: number[]) => Promise<void>,
    private readonly cameraPicture: (auth: AuthContext, cameraId: number) => Promise<Buffer>,
  ) {}

  /**
   * Which person an account is (0: none), kept 10 s, as long as accounts keep a session
   * (so an account's roles may be as old): every report and step asked it, one round
   * trip each, on the hot path of intake.
   */
  private readonly personOfAccount = new LRUCache<number, number>({ max: 10_000, ttl: 10_000 });

  /**
   * What a camera shows now, kept for an incident an operator reports from it; a camera
   * that cannot give a picture does not stop the report (null).
   */
  async snapshotFrom(auth: AuthContext, cameraId: number): Promise<{ file: string; bytes: number } | null> {
    let jpeg: Buffer;
    try {
      jpeg = await this.cameraPicture(auth, cameraId);
    } catch (err) {
      if (err instanceof NotFound) throw err;
      return null;
    }
    return { file: await this.media.save(jpeg, 'jpg'), bytes: jpeg.length };
  }

  /** The actor an account is: the command room, or a gridworker with a person record. */
  async actorOf(auth: AuthContext): Promise<Actor & { kind: 'account' }> {
    const me = auth.me;
    let personId = this.personOfAccount.get(me.id);
    if (personId === undefined) {
      personId = (await new PeopleRepository(this.db).idOfAccount(me.id)) ?? 0;
      this.personOfAccount.set(me.id, personId);
    }
    return {
      kind: 'account',
      accountId: me.id,
      personId: personId || null,
      commandRoom: auth.hasRole('dispatcher', 'operator'),
      label: me.displayName,
    };
  }

  async list(
    auth: AuthContext,
    filter: Omit<IncidentFilter, 'townIds' | 'gridId'> & { townCode?: string; gridCode?: string },
  ): Promise<{ items: Incident[]; total: number }> {
    const repo = new IncidentsRepository(this.db);
    let townIds = auth.townFilter;
    if (filter.townCode) {
      const townId = await repo.townIdByCode(filter.townCode);
      if (townId === null) throw new NotFound(`Town ${filter.townCode}`);
      auth.assertTown(townId);
      townIds = [townId];
    }
    let gridId: number | undefined;
    if (filter.gridCode) {
      gridId = (await repo.gridIdByCode(filter.gridCode)) ?? undefined;
      if (gridId === undefined) throw new NotFound(`Grid ${filter.gridCode}`);
    }
    return repo.list({ ...filter, townIds, gridId });
  }

  async get(auth: AuthContext, id: number): Promise<Incident> {
    const incident = await new IncidentsRepository(this.db).get(id);
    if (!incident || !auth.canAccessTown(incident.townId)) throw new NotFound(`Incident ${id}`);
    return incident;
  }

  /**
   * The card as this caller may see it: a citizen's contact only for the command room;
   * `ownerOnly` (a gridworker's account): only an incident they reported or hold.
   */
  async detail(auth: AuthContext, id: number, ownerOnly = false): Promise<IncidentDetail> {
    const incident = await this.get(auth, id);
    const actor = await this.actorOf(auth);
    const detail = await this.detailOf(incident, actor);
    if (ownerOnly) assertInvolved(actor, incident, detail.reports);
    if (auth.hasRole(...CONTACT_ROLES)) return detail;
    return { ...detail, reports: detail.reports.map((r) => ({ ...r, contact: null })) };
  }

  async detailOf(incident: Incident, actor: Actor): Promise<IncidentDetail> {
    const repo = new IncidentsRepository(this.db);
    const [reports, media, timeline, offers, deadlines, merged, liveSources] = await Promise.all([
      repo.reports(incident.id),
      new MediaRepository(this.db).ofIncident(incident.id),
      repo.timeline(incident.id),
      new DispatchRepository(this.db).ofIncident(incident.id),
      new DeadlinesRepository(this.db).ofIncident(incident.id),
      this.db.query<{ id: number }>(`SELECT id FROM incidents WHERE merged_into = $1 ORDER BY id`, [incident.id]),
      repo.liveSourcesOf(incident.id),
    ]);
    const pending = offers.find((o) => o.outcome === 'pending');
    const actions = availableActions(actor, {
      state: incident.state,
      assigneePersonId: incident.assignee?.personId ?? null,
      offereePersonId: pending?.personId ?? null,
    });
    return {
      incident,
      reports,
      media,
      timeline,
      offers,
      deadlines,
      mergedFrom: merged.rows.map((r) => r.id),
      liveSources: liveSources.map(({ townId: _town, ...s }) => s),
      actions,
    };
  }

  async candidates(auth: AuthContext, id: number, limit: number): Promise<Candidate[]> {
    return this.dispatcher.candidatesFor(await this.get(auth, id), limit);
  }

  async dispatchByHand(auth: AuthContext, id: number, personId: number) {
    await this.get(auth, id);
    return this.dispatcher.dispatchByHand(await this.actorOf(auth), id, personId, auth.townFilter);
  }

  /** One step of the closed loop, checked against the state machine and recorded. */
  async act(actor: Actor, id: number, input: ActionInput, townIds: number[] | null): Promise<Incident> {
    const after = await inTransaction(this.db, async (tx) => {
      const repo = new IncidentsRepository(tx);
      const inc = await repo.lock(id);
      if (!inc || (townIds && !townIds.includes(inc.townId))) throw new NotFound(`Incident ${id}`);
      const verdict = decide(input.action, actor, {
        state: inc.state,
        assigneePersonId: inc.assigneePersonId,
        offereePersonId: inc.pendingOfferPersonId,
      });
      if (!verdict.ok) {
        throw verdict.reason === 'illegal'
          ? new Conflict(verdict.message, { state: inc.state, action: input.action }, 'illegal_transition')
          : new Forbidden(verdict.message);
      }
      const step = await this.apply(tx, inc, verdict.to, input);
      await repo.appendHistory({
        incidentId: id,
        action: input.action,
        fromState: inc.state,
        toState: verdict.to,
        actor,
        note: input.note ?? null,
        lon: input.lon ?? null,
        lat: input.lat ?? null,
        data: step.data,
      });
      return step;
    });
    if (after.releasePersonIds.length) await this.peopleChanged(after.releasePersonIds);
    if (after.deadlines.length) await this.jobs.deadlinesDue(after.deadlines);
    const incident = (await new IncidentsRepository(this.db).get(id))!;
    await this.events.changed(incident, input.action);
    if (after.withdrawn)
      await this.events.offersWithdrawn([{ incident, offer: after.withdrawn, outcome: 'withdrawn' }]);
    return incident;
  }

  private async apply(
    tx: PoolClient,
    inc: Awaited<ReturnType<IncidentsRepository['lock']>> & object,
    to: IncidentState,
    input: ActionInput,
  ) {
    const repo = new IncidentsRepository(tx);
    const deadlines = new DeadlinesRepository(tx);
    const step = {
      data: undefined as unknown,
      releasePersonIds: [] as number[],
      deadlines: [] as Deadline[],
      withdrawn: undefined as Offer | undefined,
    };
    const withdrawOffer = async () => {
      if (inc.pendingOfferId === null) return;
      const offers = new DispatchRepository(tx);
      await offers.settle(inc.pendingOfferId, 'withdrawn');
      step.withdrawn = (await offers.find(inc.pendingOfferId)) ?? undefined;
    };
    const release = async () => {
      if (inc.assigneePersonId !== null && (await this.releaseIfIdle(tx, inc.assigneePersonId, inc.id)))
        step.releasePersonIds.push(inc.assigneePersonId);
    };
    switch (input.action) {
      case 'start':
        await repo.setState(inc.id, to);
        break;
      case 'handle':
        await repo.setState(inc.id, to);
        await deadlines.settle(inc.id, ['accept', 'finish'], 'met');
        await release();
        break;
      case 'verify':
        if (input.rating === undefined)
          throw new BadRequest("A revisit records the citizen's rating (1–5)", { field: 'rating' }, 'rating_required');
        await repo.setState(inc.id, to, { rating: input.rating });
        break;
      case 'close':
        await repo.setState(inc.id, to, { dispatchWanted: false });
        await deadlines.settle(inc.id, ['accept', 'finish'], 'cancelled');
        break;
      case 'return': {
        await repo.setState(inc.id, to);
        const reopened = await deadlines.reopenFinish(inc.id);
        if (reopened) step.deadlines.push(reopened);
        break;
      }
      case 'escalate': {
        const next = ESCALATION_LEVELS[ESCALATION_LEVELS.indexOf(inc.level) + 1];
        if (!next)
          throw new Conflict(
            'This incident is already with the city departments, the top level',
            { level: inc.level },
            'top_level',
          );
        await withdrawOffer();
        await release();
        await repo.setState(inc.id, to, { level: next, dispatchWanted: false, assignee: null });
        step.data = { level: next, from: inc.level };
        break;
      }
      case 'merge': {
        if (input.mergeInto === undefined || input.mergeInto === inc.id)
          throw new BadRequest('Say which incident this one joins (mergeInto)', { field: 'mergeInto' });
        const target = await repo.lock(input.mergeInto);
        if (!target || target.townId !== inc.townId)
          throw new Unprocessable(`Incident ${input.mergeInto} is not in this incident's town`, {
            mergeInto: input.mergeInto,
          });
        if (target.state === 'closed' || target.state === 'merged')
          throw new Conflict(
            `Incident ${input.mergeInto} is ${target.state}`,
            { state: target.state },
            'illegal_transition',
          );
        await withdrawOffer();
        await release();
        await repo.setState(inc.id, to, { mergedInto: target.id, dispatchWanted: false });
        await deadlines.settle(inc.id, ['accept', 'finish'], 'cancelled');
        await tx.query(
          `UPDATE incidents SET report_count = report_count + (SELECT report_count FROM incidents WHERE id = $2) WHERE id = $1`,
          [target.id, inc.id],
        );
        step.data = { mergedInto: target.id };
        break;
      }
      default:
        throw new AppError(500, 'internal', 'unhandled action');
    }
    return step;
  }

  // orgs: 改类/改级 (reclassify, regrade) by the command room, with the before and after in the timeline.
  async reclassify(
    actor: Actor,
    id: number,
    change: { subcategory?: string; severity?: number; note?: string | null },
    townIds: number[] | null,
  ): Promise<Incident> {
    if (change.subcategory === undefined && change.severity === undefined)
      throw new BadRequest('Give a subcategory, a severity or both', { field: 'subcategory' });
    await inTransaction(this.db, async (tx) => {
      const repo = new IncidentsRepository(tx);
      const locked = await repo.lock(id);
      const before = locked ? await repo.get(id) : null;
      if (!before || (townIds && !townIds.includes(before.townId))) throw new NotFound(`Incident ${id}`);
      if (['closed', 'merged'].includes(before.state))
        throw new Conflict(`An incident that is ${before.state} is not reclassified`, { state: before.state });
      const after = await repo.reclassify(id, { subcategoryCode: change.subcategory, severity: change.severity });
      if (!after)
        throw new Unprocessable(
          `No subcategory ${change.subcategory}`,
          { field: 'subcategory' },
          'unknown_subcategory',
        );
      await repo.appendHistory({
        incidentId: id,
        action: 'reclassify',
        fromState: before.state,
        toState: before.state,
        actor,
        note: change.note ?? null,
        data: {
          from: { subcategory: before.subcategoryCode, platform: before.platform, severity: before.severity },
          to: after,
        },
      });
    });
    const incident = (await new IncidentsRepository(this.db).get(id))!;
    await this.events.changed(incident, 'reclassify');
    return incident;
  }

  // orgs: a step taken beside the loop (a handoff to a department, 督办, 会商) goes into the
  // incident's timeline without moving its state; the organisations domain calls this.
  async recordStep(
    actor: Actor,
    id: number,
    step: { action: string; note?: string | null; data?: unknown },
  ): Promise<void> {
    const repo = new IncidentsRepository(this.db);
    const inc = await repo.get(id);
    if (!inc) throw new NotFound(`Incident ${id}`);
    await repo.appendHistory({
      incidentId: id,
      action: step.action,
      fromState: inc.state,
      toState: inc.state,
      actor,
      note: step.note ?? null,
      data: step.data,
    });
    await this.events.changed(inc, step.action);
  }

  /** A busy gridworker with no other open task is on duty again. */
  private async releaseIfIdle(tx: PoolClient, personId: number, incidentId: number): Promise<boolean> {
    if (await new IncidentsRepository(tx).holdsOtherTask(personId, incidentId)) return false;
    return new PeopleRepository(tx).markNoLongerBusy(personId);
  }

  /** A pushed stream (a phone at the scene, a drone) becomes part of the incident's record. */
  async attachLiveSource(auth: AuthContext, id: number, liveSourceId: number): Promise<IncidentDetail> {
    const incident = await this.get(auth, id);
    const repo = new IncidentsRepository(this.db);
    const townId = await repo.liveSourceTown(liveSourceId);
    if (townId === null || !auth.canAccessTown(townId)) throw new NotFound(`Live source ${liveSourceId}`);
    if (townId !== incident.townId)
      throw new Unprocessable(`Live source ${liveSourceId} belongs to another town`, { liveSourceId }, 'other_town');
    const actor = await this.actorOf(auth);
    await inTransaction(this.db, async (tx) => {
      const txRepo = new IncidentsRepository(tx);
      if (await txRepo.attachLiveSource(id, liveSourceId, actor.accountId)) {
        await txRepo.appendHistory({
          incidentId: id,
          action: 'live_source',
          fromState: incident.state,
          toState: incident.state,
          actor,
          data: { liveSourceId },
        });
      }
    });
    return this.detailOf(incident, actor);
  }

  /** A photo or video for the incident, checked by its first bytes, not its name. */
  async addMedia(
    actor: Actor,
    id: number,
    contentType: string,
    body: Buffer,
    townIds: number[] | null,
  ): Promise<IncidentMedia> {
    const incident = await new IncidentsRepository(this.db).get(id);
    if (!incident || (townIds && !townIds.includes(incident.townId))) throw new NotFound(`Incident ${id}`);
    const type = MEDIA_TYPES.find((m) => m.type === contentType.split(';')[0]!.trim().toLowerCase());
    if (!type)
      throw new AppError(415, 'unsupported_media_type', `Send a photo or video as ${MEDIA_CONTENT_TYPES.join(', ')}`, {
        contentType,
      });
    if (body.length === 0)
      throw new BadRequest("The body is empty: send the photo's bytes", { field: 'body' }, 'empty_media');
    if (body.length > this.mediaMaxBytes)
      throw new AppError(413, 'too_large', `At most ${this.mediaMaxBytes} bytes`, { bytes: body.length });
    if (!type.magic(body))
      throw new Unprocessable(`The bytes are not a ${type.type} file`, { contentType: type.type }, 'not_media');
    const personId = actor.kind === 'phone' || actor.kind === 'account' ? actor.personId : null;
    if (actor.kind === 'phone' && personId !== incident.assignee?.personId) {
      const reporter = await this.db.query(
        `SELECT 1 FROM incident_reports WHERE incident_id = $1 AND reporter_person_id = $2`,
        [id, personId],
      );
      if (reporter.rowCount === 0) throw new Forbidden('Only the reporter or the assignee adds photos from a phone');
    }
    const file = await this.media.save(body, type.ext);
    const stage = ['reported', 'dispatched', 'merged'].includes(incident.state) ? 'report' : 'feedback';
    return inTransaction(this.db, async (tx) => {
      const m = await new MediaRepository(tx).add({
        incidentId: id,
        reportId: null,
        kind: type.kind,
        stage,
        contentType: type.type,
        bytes: body.length,
        file,
        personId,
        accountId: actor.kind === 'account' ? actor.accountId : null,
      });
      await new IncidentsRepository(tx).appendHistory({
        incidentId: id,
        action: 'media',
        fromState: incident.state,
        toState: incident.state,
        actor,
        data: { mediaId: m.id, kind: m.kind, stage },
      });
      return m;
    });
  }

  async readMedia(
    auth: AuthContext,
    id: number,
    mediaId: number,
    ownerOnly = false,
  ): Promise<{ media: IncidentMedia; body: Buffer }> {
    const incident = await this.get(auth, id);
    if (ownerOnly)
      assertInvolved(await this.actorOf(auth), incident, await new IncidentsRepository(this.db).reports(id));
    const media = await new MediaRepository(this.db).find(id, mediaId);
    if (!media) throw new NotFound(`Media ${mediaId} of incident ${id}`);
    return { media, body: await this.media.read(media.file) };
  }

  /** What a phone has to do: offers waiting for an answer and the tasks it holds. */
  async tasksOf(personId: number): Promise<{ offers: (Offer & { incident: Incident })[]; tasks: Incident[] }> {
    const repo = new IncidentsRepository(this.db);
    const offers = await new DispatchRepository(this.db).pendingFor(personId);
    const withIncidents = await Promise.all(
      offers.map(async (o) => ({ ...o, incident: (await repo.get(o.incidentId))! })),
    );
    const tasks = await repo.list({
      townIds: null,
      assigneePersonId: personId,
      // What they hold, and what waits for their revisit.
      states: [...OPEN_TASK_STATES, 'handled'],
      limit: 100,
      offset: 0,
    });
    return { offers: withIncidents, tasks: tasks.items };
  }
}

/** A gridworker's account sees an incident they reported or were sent to, no other. */
function assertInvolved(actor: Actor & { kind: 'account' }, incident: Incident, reports: Report[]): void {
  const mine =
    (actor.personId !== null &&
      (incident.assignee?.personId === actor.personId || reports.some((r) => r.reporterPersonId === actor.personId))) ||
    reports.some((r) => r.reporterAccountId === actor.accountId);
  if (!mine) throw new Forbidden(`Incident ${incident.id} is neither reported by you nor yours to handle`);
}
