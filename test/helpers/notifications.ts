// The notifications module as the workers process runs it, beside a test api: it hears
// the api's live events (handoffs, incidents, offers) and writes the messages. `leading`
// true sends them every second as the leader does; false leaves sending to the test
// (`module.services.notifications.sendDue()`), on a clock it may move.
import { notificationsModule, type NotificationsServices } from '../../notifications/module.js';
import type { DomainModule, Running } from '../../platform/module.js';
import type { TestApi } from './api.js';

export interface RunningNotifications {
  module: DomainModule<NotificationsServices>;
  stop(): Promise<void>;
}

export async function startNotifications(t: TestApi, leading: boolean): Promise<RunningNotifications> {
  const s = t.api.services;
  const module = notificationsModule(
    { config: s.config, db: s.db, redis: s.redis, live: s.live, media: s.media, baseUrl: t.api.url },
    { people: s.people, gis: s, env: {}, orgRecipients: (id) => s.organisations.organisations.recipientsOf(id) },
  );
  const hook: Running = await module.work!(async () => leading);
  return { module, stop: () => hook.stop() };
}
