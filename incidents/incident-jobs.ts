// What the api and the workers put on the BullMQ queues for incidents. A job only
// carries an id; PostgreSQL holds the truth, so a lost job costs time, never data: the
// leader's sweep makes it again from the rows (dispatch_wanted, pending offers past
// their expiry, open deadlines past due).
import type { Queue } from 'bullmq';
import { moduleLogger } from '../server/logger.js';
import type { DeadlineJob, DispatchJob } from '../workers/queues.js';
import type { Deadline } from './deadlines.repository.js';

const log = moduleLogger('incident-jobs');

export class IncidentJobs {
  constructor(
    readonly dispatch: Queue<DispatchJob>,
    readonly deadlines: Queue<DeadlineJob>,
  ) {}

  /** Asks a worker to (re)consider who should get the incident. Duplicates are harmless. */
  async wantDispatch(incidentIds: number[], delayMs = 0): Promise<void> {
    if (incidentIds.length === 0) return;
    await this.dispatch.addBulk(incidentIds.map((incidentId) => ({ name: 'dispatch', data: { incidentId }, opts: delayMs > 0 ? { delay: delayMs } : {} })))
      .catch((err: unknown) => log.warn({ err, incidentIds }, 'dispatch not queued; the sweep will'));
  }

  /** Wakes the dispatcher when an offer runs out. */
  async offerTimeout(incidentId: number, offerId: number, expiresAt: Date): Promise<void> {
    await this.dispatch.add('offer-timeout', { incidentId }, { jobId: `offer-${offerId}`, delay: Math.max(0, expiresAt.getTime() - Date.now()) })
      .catch((err: unknown) => log.warn({ err, offerId }, 'offer timeout not queued; the sweep will'));
  }

  async deadlinesDue(deadlines: Deadline[]): Promise<void> {
    const open = deadlines.filter((d) => d.outcome === null);
    if (open.length === 0) return;
    await this.deadlines.addBulk(open.map((d) => ({
      name: `deadline-${d.kind}`,
      data: { deadlineId: d.id },
      opts: { jobId: `deadline-${d.id}-${d.dueAt.getTime()}`, delay: Math.max(0, d.dueAt.getTime() - Date.now()) },
    }))).catch((err: unknown) => log.warn({ err }, 'deadline jobs not queued; the sweep will'));
  }

  async close(): Promise<void> {
    await Promise.all([this.dispatch.close(), this.deadlines.close()]);
  }
}
