// Incidents on the push stream: the command room's queue moves (topic `incidents`,
// per town) and a gridworker's phone hears its offers (topic `offers`, personal).
import type { LiveBus } from '../platform/live/live-bus.js';
import { moduleLogger } from '../platform/logger.js';
import type { Offer } from './dispatch.repository.js';
import type { Incident } from './model.js';

const log = moduleLogger('incident-events');

export class IncidentEvents {
  constructor(private readonly live: LiveBus) {}

  async changed(incident: Incident, action: string, extra: Record<string, unknown> = {}): Promise<void> {
    await this.changedMany([{ incident, action, extra }]);
  }

  /** Several changes in one message (intake answers a burst of reports at once). */
  async changedMany(changes: { incident: Incident; action: string; extra?: Record<string, unknown> }[]): Promise<void> {
    if (changes.length === 0) return;
    await this.live
      .publish(
        changes.map(({ incident, action, extra }) => ({
          topic: 'incidents',
          townId: incident.townId,
          data: { action, ...extra, incident },
        })),
      )
      .catch((err: unknown) => log.warn({ err }, 'incident event not published'));
  }

  /** Each offer to its gridworker's phone, in one message; false when it could not be published. */
  async offered(offers: { incident: Incident; offer: Offer }[]): Promise<boolean> {
    if (offers.length === 0) return true;
    return this.live
      .publish(
        offers.map(({ incident, offer }) => ({
          topic: 'offers',
          townId: incident.townId,
          personId: offer.personId,
          data: { offerId: offer.id, expiresAt: offer.expiresAt, distanceM: offer.distanceM, incident },
        })),
      )
      .then(
        () => true,
        (err: unknown) => {
          log.warn({ err }, 'offer not published; the outbox sweep will');
          return false;
        },
      );
  }

  /** Tells each phone its offer is gone (taken back by hand, or timed out). */
  async offersWithdrawn(withdrawn: { incident: Incident; offer: Offer; outcome: string }[]): Promise<void> {
    if (withdrawn.length === 0) return;
    await this.live
      .publish(
        withdrawn.map(({ incident, offer, outcome }) => ({
          topic: 'offers',
          townId: incident.townId,
          personId: offer.personId,
          data: { offerId: offer.id, outcome, incidentId: incident.id },
        })),
      )
      .catch((err: unknown) => log.warn({ err }, 'offer change not published'));
  }

  async cards(events: { townId: number; data: unknown }[]): Promise<void> {
    await this.live
      .publish(events.map((e) => ({ topic: 'incidents', townId: e.townId, data: e.data })))
      .catch((err: unknown) => log.warn({ err }, 'card events not published'));
  }
}
