// Who goes: for a new incident, the grid's own on-duty gridworker when close enough,
// otherwise the nearest available one with a fresh position (KNN on geography, re-ranked
// by metres plus open workload). The decisions of a job are one statement,
// incident_dispatch_many() over incident_dispatch(). The offer waits for an answer; a
// decline or a timeout asks the next; after N misses the command room takes over
// (escalated). One offer is pending per incident at any time: the incident row is locked
// for the decision and a unique index refuses a second pending offer.
import { inTransaction, type Db } from '../platform/db/pool.js';
import { PeopleRepository } from '../people/module.js';
import { Conflict, Forbidden, NotFound, Unprocessable } from '../platform/errors.js';
import { moduleLogger } from '../platform/logger.js';
import { DeadlinesRepository } from './deadlines.repository.js';
import { DispatchRepository, type Candidate, type DispatchDecision, type Offer } from './dispatch.repository.js';
import type { IncidentEvents } from './incident-events.js';
import type { IncidentJobs } from './incident-jobs.js';
import { IncidentsRepository } from './incidents.repository.js';
import type { Actor, Incident } from './model.js';
import { decide } from './state-machine.js';

const log = moduleLogger('dispatch');

export interface DispatchSettings {
  offerTimeoutS: number;
  maxMisses: number;
  ownGridMaxM: number;
  freshS: number;
  workloadPenaltyM: number;
}

export type DispatchOutcome = DispatchDecision['outcome'];

export class DispatchService {
  /** Told of every offer made and pushed (metrics: dispatch latency). */
  onOffered: ((offers: { reportedAt: Date; offeredAt: Date }[]) => void) | null = null;

  constructor(
    private readonly db: Db,
    private readonly jobs: IncidentJobs,
    private readonly events: IncidentEvents,
    private readonly settings: DispatchSettings,
    private readonly peopleChanged: (personIds: number[]) => Promise<void>,
  ) {}

  /**
   * The dispatch job, for one incident or a burst of them: idempotent, so a duplicate or a
   * retried job changes nothing. The decisions commit together in one transaction of their
   * own (not autocommit: a worker killed while it runs leaves nothing, instead of an offer
   * nobody announces); if that fails (a deadlock with intake, one bad row), each incident
   * is decided on its own, and the job fails after announcing the rest, to be retried.
   */
  async dispatch(incidentIds: number[]): Promise<Map<number, DispatchOutcome>> {
    const decideNow = (ids: number[]) =>
      inTransaction(this.db, (tx) => new DispatchRepository(tx).decideMany(ids, { ...this.settings, nearest: 10 }));
    let decisions: Map<number, DispatchDecision>;
    let failure: unknown = null;
    try {
      decisions = await decideNow(incidentIds);
    } catch (err) {
      if (incidentIds.length === 1) throw err;
      log.warn({ err, incidents: incidentIds.length }, 'batch dispatch failed; deciding each incident alone');
      decisions = new Map();
      for (const id of incidentIds) {
        try {
          for (const [k, v] of await decideNow([id])) decisions.set(k, v);
        } catch (one) {
          failure = one;
        }
      }
    }
    await this.announce(decisions);
    if (failure) throw failure;
    return new Map([...decisions].map(([id, d]) => [id, d.outcome]));
  }

  /** A dispatcher picks the gridworker by hand; any pending offer is taken back. */
  async dispatchByHand(
    actor: Actor & { kind: 'account' },
    incidentId: number,
    personId: number,
    townIds: number[] | null,
  ): Promise<{ incident: Incident; offer: Offer }> {
    const decision = await inTransaction(this.db, async (tx): Promise<DispatchDecision> => {
      const repo = new IncidentsRepository(tx);
      const offers = new DispatchRepository(tx);
      const inc = await repo.lock(incidentId);
      if (!inc || (townIds && !townIds.includes(inc.townId))) throw new NotFound(`Incident ${incidentId}`);
      const verdict = decide('dispatch', actor, {
        state: inc.state,
        assigneePersonId: inc.assigneePersonId,
        offereePersonId: inc.pendingOfferPersonId,
      });
      if (!verdict.ok)
        throw verdict.reason === 'illegal'
          ? new Conflict(verdict.message, { state: inc.state }, 'illegal_transition')
          : new Forbidden(verdict.message);
      const person = await offers.personAt(personId, inc.lon, inc.lat);
      if (!person || person.townId !== inc.townId)
        throw new Unprocessable(
          `Person ${personId} does not serve this incident's town`,
          { personId },
          'unknown_person',
        );
      let expired: Offer | undefined;
      if (inc.pendingOfferId !== null) {
        await offers.settle(inc.pendingOfferId, 'withdrawn');
        expired = (await offers.find(inc.pendingOfferId))!;
      }
      const offer = await offers.create({
        incidentId,
        personId,
        timeoutS: this.settings.offerTimeoutS,
        distanceM: person.distanceM,
        byHand: true,
        accountId: actor.accountId,
      });
      await repo.setState(incidentId, 'dispatched', { dispatchWanted: true, assignee: null });
      await repo.appendHistory({
        incidentId,
        action: 'dispatch',
        fromState: inc.state,
        toState: 'dispatched',
        actor,
        note: `指定派给 ${person.name}`,
        data: { offerId: offer.id, personId, distanceM: person.distanceM, byHand: true },
      });
      return { outcome: 'offered', offer, expired };
    });
    await this.announce(new Map([[incidentId, decision]]));
    return { incident: (await new IncidentsRepository(this.db).get(incidentId))!, offer: decision.offer! };
  }

  /** The gridworker's answer to an offer, from the phone or the web. */
  async answer(actor: Actor, offerId: number, accept: boolean, note: string | null): Promise<Incident> {
    const personId = actor.kind === 'phone' || actor.kind === 'account' ? actor.personId : null;
    const result = await inTransaction(this.db, async (tx) => {
      const offers = new DispatchRepository(tx);
      const found = await offers.find(offerId);
      if (!found || found.personId !== personId) throw new NotFound(`Offer ${offerId}`);
      const repo = new IncidentsRepository(tx);
      const inc = (await repo.lock(found.incidentId))!;
      if (inc.pendingOfferId !== offerId) {
        throw new Conflict(
          `This offer is no longer open (it was ${found.outcome === 'pending' ? 'replaced' : found.outcome})`,
          { outcome: found.outcome, state: inc.state },
          'offer_closed',
        );
      }
      if (await offers.isExpired(offerId)) {
        throw new Conflict(
          'This offer has run out; the incident goes to the next gridworker',
          { expiresAt: found.expiresAt },
          'offer_expired',
        );
      }
      if (!accept) {
        await offers.settle(offerId, 'declined');
        await repo.addMiss(inc.id);
        await repo.appendHistory({
          incidentId: inc.id,
          action: 'offer_declined',
          fromState: inc.state,
          toState: inc.state,
          actor,
          note,
          data: { offerId },
        });
        return { incidentId: inc.id, redispatch: true };
      }
      const verdict = decide('accept', actor, {
        state: inc.state,
        assigneePersonId: inc.assigneePersonId,
        offereePersonId: inc.pendingOfferPersonId,
      });
      if (!verdict.ok) throw new Conflict(verdict.message, { state: inc.state }, 'illegal_transition');
      await offers.settle(offerId, 'accepted');
      await repo.setState(inc.id, 'accepted', { assignee: found.personId, dispatchWanted: false });
      await new DeadlinesRepository(tx).settle(inc.id, ['accept'], 'met');
      await repo.appendHistory({
        incidentId: inc.id,
        action: 'accept',
        fromState: inc.state,
        toState: 'accepted',
        actor,
        note,
        data: { offerId },
      });
      // Busy with a task (忙碌): not offered more until they are on duty again.
      await new PeopleRepository(tx).markBusy(found.personId);
      return { incidentId: inc.id, redispatch: false };
    });
    if (result.redispatch) await this.jobs.wantDispatch([result.incidentId]);
    else if (personId !== null) await this.peopleChanged([personId]);
    const incident = (await new IncidentsRepository(this.db).get(result.incidentId))!;
    await this.events.changed(incident, accept ? 'accepted' : 'offer_declined', { offerId });
    return incident;
  }

  /**
   * The offer outbox's sweep: pending offers committed over `olderThanMs` ago that never
   * reached the push stream (the worker died between COMMIT and the push) are pushed now,
   * instead of waiting for the offer to time out. Answers how many.
   */
  async pushUnsent(olderThanMs = 3000): Promise<number> {
    const offers = await new DispatchRepository(this.db).unpushed(olderThanMs, 500);
    if (offers.length === 0) return 0;
    const incidents = new Map(
      (await new IncidentsRepository(this.db).getMany(offers.map((o) => o.incidentId))).map((i) => [i.id, i]),
    );
    const offered = offers.flatMap((offer) => {
      const incident = incidents.get(offer.incidentId);
      return incident ? [{ incident, offer }] : [];
    });
    if (!(await this.events.offered(offered))) return 0;
    await new DispatchRepository(this.db).markPushed(offered.map(({ offer }) => offer.id));
    log.info({ offerIds: offered.map(({ offer }) => offer.id) }, 'pushed offers the dispatch had not');
    return offered.length;
  }

  /** The nearest gridworkers to an incident with distance and state, for choosing by hand. */
  async candidatesFor(incident: Incident, limit: number): Promise<Candidate[]> {
    const candidates = await new DispatchRepository(this.db).candidates({
      lon: incident.lon,
      lat: incident.lat,
      townId: incident.townId,
      gridId: incident.gridId,
      freshS: this.settings.freshS,
      nearest: limit,
      onDutyOnly: false,
      excludePersonIds: [],
      ownGridMaxM: this.settings.ownGridMaxM,
      workloadPenaltyM: this.settings.workloadPenaltyM,
    });
    return candidates.slice(0, limit);
  }

  /** Tells the phones and the command room what the decisions changed, a message each for all of them. */
  private async announce(decisions: Map<number, DispatchDecision>): Promise<void> {
    const changed = [...decisions].filter(([, d]) => d.offer || d.expired || d.outcome === 'escalated');
    if (changed.length === 0) return;
    const incidents = new Map(
      (await new IncidentsRepository(this.db).getMany(changed.map(([id]) => id))).map((i) => [i.id, i]),
    );
    const found = changed.flatMap(([id, d]) => {
      const incident = incidents.get(id);
      return incident ? [{ incident, d }] : [];
    });
    const offered = found.flatMap(({ incident, d }) => (d.offer ? [{ incident, offer: d.offer }] : []));
    const escalated = found.filter(({ d }) => d.outcome === 'escalated').map(({ incident }) => incident);
    if (escalated.length > 0) log.info({ incidentIds: escalated.map((i) => i.id) }, 'escalated to the command room');
    // The phones first: that is the latency the command room waits on. Then the outbox
    // learns they went out; an offer left unmarked is pushed again by the sweep.
    this.onOffered?.(
      offered.map(({ incident, offer }) => ({ reportedAt: incident.reportedAt, offeredAt: offer.offeredAt })),
    );
    if (offered.length > 0 && (await this.events.offered(offered))) {
      await new DispatchRepository(this.db)
        .markPushed(offered.map(({ offer }) => offer.id))
        .catch((err: unknown) => log.warn({ err }, 'offers pushed but not marked; the sweep may push them again'));
    }
    await Promise.all([
      this.events.offersWithdrawn(
        found.flatMap(({ incident, d }) =>
          d.expired ? [{ incident, offer: d.expired, outcome: d.expired.outcome }] : [],
        ),
      ),
      this.events.changedMany([
        ...offered.map(({ incident, offer }) => ({
          incident,
          action: 'dispatched',
          extra: { offerId: offer.id, personId: offer.personId },
        })),
        ...escalated.map((incident) => ({ incident, action: 'escalated' })),
      ]),
      this.jobs.offerTimeouts(offered.map(({ offer }) => offer)),
    ]);
  }
}
