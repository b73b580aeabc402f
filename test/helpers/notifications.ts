// The notifications module as the workers process runs it, beside a test api: it hears
// the api's live events (handoffs, incidents, offers) and writes the messages. `leading`
// true sends them every second as the leader does; false leaves sending to the test
// (`module.services.notifications.sendDue()`), on a clock it may move. With a gateway,
// SMS go through the fake Aliyun gateway, signed with its test key.
import { notificationsModule, type NotificationsServices } from '../../notifications/module.js';
import type { DomainModule, Running } from '../../platform/module.js';
import type { FakeSmsGateway } from '../../scripts/simulators/sms-gateway/fake-gateway.js';
import type { TestApi } from './api.js';

/** The key the tests' fake gateways are started with. */
export const SMS_TEST_KEY = { accessKeyId: 'LTAI-test', accessKeySecret: 'test-secret' };

export interface NotificationsOptions {
  leading: boolean;
  gateway?: FakeSmsGateway;
  /** More settings: quiet hours, rates, delays. */
  env?: Record<string, string>;
  /** The clock the rules read (moved by the test). */
  now?: () => Date;
}

export interface RunningNotifications {
  module: DomainModule<NotificationsServices>;
  stop(): Promise<void>;
}

export async function startNotifications(t: TestApi, options: NotificationsOptions): Promise<RunningNotifications> {
  const s = t.api.services;
  const sms = options.gateway
    ? {
        NOTIFY_SMS_PROVIDER: 'aliyun',
        SMS_ENDPOINT: options.gateway.url,
        SMS_ACCESS_KEY_ID: SMS_TEST_KEY.accessKeyId,
        SMS_ACCESS_KEY_SECRET: SMS_TEST_KEY.accessKeySecret,
      }
    : {};
  const module = notificationsModule(
    { config: s.config, db: s.db, redis: s.redis, live: s.live, media: s.media, baseUrl: t.api.url },
    {
      people: s.people,
      gis: s,
      env: { ...sms, ...options.env },
      orgRecipients: (id) => s.organisations.organisations.recipientsOf(id),
    },
  );
  if (options.now) module.services.notifications.now = options.now;
  const hook: Running = await module.work!(async () => options.leading);
  return { module, stop: () => hook.stop() };
}
