// The notifications domain: rules that turn incident events into messages, the SMS
// gateway (Aliyun) and the in-app channel. The api process serves the lists; the
// workers process hears the live bus, writes what the rules call for and sends it.
import type { Redis } from 'ioredis';
import type { DomainModule, Platform, Running } from '../platform/module.js';
import { createRedis } from '../platform/redis.js';
import { LiveBus } from '../platform/live/live-bus.js';
import { moduleLogger } from '../platform/logger.js';
import { AliyunSms } from './aliyun-sms.js';
import { NotificationsService, type Directory, type OrgRecipientsLookup } from './notifications.service.js';

export type { NotificationsService } from './notifications.service.js';
import { notificationRoutes } from './notifications.routes.js';
import { notifySettings } from './settings.js';

const log = moduleLogger('notifications');
/** How often due messages are sent, and receipts read (every 10th round). */
const ROUND_MS = 1000;

export interface NotificationsDeps extends Directory {
  /** Where the settings are read (the process's environment unless a test says). */
  env?: Record<string, string | undefined>;
  /** organisations: who a message to an organisation reaches (its accounts, its phone). */
  orgRecipients?: OrgRecipientsLookup;
}

export interface NotificationsServices {
  notifications: NotificationsService;
}

export function notificationsModule(platform: Platform, deps: NotificationsDeps): DomainModule<NotificationsServices> {
  const s = notifySettings(deps.env ?? process.env, platform.config.TOWN_UTC_OFFSET_HOURS);
  const gateway =
    s.provider === 'aliyun'
      ? new AliyunSms(s.endpoint, { accessKeyId: s.accessKeyId, accessKeySecret: s.accessKeySecret }, s.signName)
      : null;
  const service = new NotificationsService(
    platform.db,
    platform.live,
    gateway,
    s,
    { people: deps.people, gis: deps.gis },
    deps.orgRecipients ?? null,
  );
  let subscriber: Redis | null = null;
  return {
    name: 'notifications',
    services: { notifications: service },
    routes: notificationRoutes(service),
    liveTopics: ['notifications'],
    /** The hook into incidents and organisations: their live events, heard like any api instance hears them. */
    async work(leading): Promise<Running> {
      subscriber = createRedis(platform.config.REDIS_URL, 'notifications-sub');
      const bus = new LiveBus(platform.redis, platform.config.REDIS_PREFIX);
      await bus.listen(subscriber);
      const stopListening = bus.add({
        topics: new Set(['offers', 'incidents', 'handoffs']),
        townIds: null,
        personId: null,
        // Every process writes what it heard (dedupe keys keep one row); one at a time, in order.
        send: (e) => {
          queue = queue
            .then(() => service.onEvents([e]))
            .catch((err: unknown) => log.error({ err }, 'notification rule failed'));
        },
      });
      let queue: Promise<void> = Promise.resolve();
      let round = 0;
      const timer = setInterval(() => {
        void (async () => {
          if (!(await leading())) return;
          await service.sendDue();
          if (++round % 10 === 0) await service.pollReceipts();
        })().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'notification round failed'));
      }, ROUND_MS);
      return {
        async stop() {
          clearInterval(timer);
          stopListening();
          await queue;
          subscriber?.disconnect();
        },
      };
    },
  };
}
