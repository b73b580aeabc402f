// What the api and the workers put on the BullMQ queues for incidents. A job only
// carries ids; PostgreSQL holds the truth, so a lost job costs time, never data: the
// leader's sweep makes it again from the rows (dispatch_wanted, pending offers past
// their expiry, open deadlines past due).
import type { Queue } from 'bullmq';
import { moduleLogger } from '../platform/logger.js';
import type { DeadlineJob, DispatchJob } from './queues.js';
import type { Deadline } from './deadlines.repository.js';
import type { Offer } from './dispatch.repository.js';

/** Incidents decided by one dispatch job (one transaction). */
const DISPATCH_BATCH = 50;

const log = moduleLogger('incident-jobs');

export class IncidentJobs {
  constructor(
    readonly dispatch: Queue<DispatchJob>,
    readonly deadlines: Queue<DeadlineJob>,
  ) {}

  /**
   * Asks a worker to (re)consider who should get the incidents, DISPATCH_BATCH to a job (a
   * burst of intake is decided in one transaction). Duplicates are harmless.
   */
  async wantDispatch(incidentIds: number[], delayMs = 0): Promise<void> {
    if (incidentIds.length === 0) return;
    const batches: number[][] = [];
    for (let i = 0; i < incidentIds.length; i += DISPATCH_BATCH) batches.push(incidentIds.slice(i, i + DISPATCH_BATCH));
    await this.dispatch
      .addBulk(
        batches.map((ids) => ({
          name: 'dispatch',
          data: { incidentIds: ids },
          opts: delayMs > 0 ? { delay: delayMs } : {},
        })),
      )
      .catch((err: unknown) => log.warn({ err, incidentIds }, 'dispatch not queued; the sweep will'));
  }

  /**
   * Wakes the dispatcher when offers run out: one job for the offers one decision made
   * (they run out within milliseconds of each other), due when the last of them does.
   */
  async offerTimeouts(offers: Offer[]): Promise<void> {
    if (offers.length === 0) return;
    const ids = offers.map((o) => o.id);
    const due = Math.max(...offers.map((o) => o.expiresAt.getTime()));
    await this.dispatch
      .add(
        'offer-timeout',
        { incidentIds: offers.map((o) => o.incidentId) },
        { jobId: `offers-${Math.min(...ids)}-${Math.max(...ids)}`, delay: Math.max(0, due - Date.now()) },
      )
      .catch((err: unknown) => log.warn({ err, offerIds: ids }, 'offer timeout not queued; the sweep will'));
  }

  async deadlinesDue(deadlines: Deadline[]): Promise<void> {
    const open = deadlines.filter((d) => d.outcome === null);
    if (open.length === 0) return;
    await this.deadlines
      .addBulk(
        open.map((d) => ({
          name: `deadline-${d.kind}`,
          data: { deadlineId: d.id },
          opts: { jobId: `deadline-${d.id}-${d.dueAt.getTime()}`, delay: Math.max(0, d.dueAt.getTime() - Date.now()) },
        })),
      )
      .catch((err: unknown) => log.warn({ err }, 'deadline jobs not queued; the sweep will'));
  }

  async close(): Promise<void> {
    await Promise.all([this.dispatch.close(), this.deadlines.close()]);
  }
}
