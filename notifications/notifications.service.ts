// The notification service: live events → rules → one row per recipient and channel
// (deduped), sent when due by whichever workers process gets to it first. SMS goes
// through the gateway; in-app is the row itself, pushed on the live bus to the phone.
// Every row keeps its delivery status: scheduled → sending → sent → delivered / failed,
// or cancelled (the offer was answered), rate_limited (too many to one number).
import type { Db } from '../platform/db/pool.js';
import type { LiveBus } from '../platform/live/live-bus.js';
import type { AuthContext } from '../platform/auth/auth-context.js';
import { moduleLogger } from '../platform/logger.js';
import { rulesFor, type Intent, type Recipients } from './rules.js';
import { TEMPLATES, fitParams, render } from './templates.js';
import { notBeforeQuietEnd, type QuietHours } from './quiet-hours.js';
import {
  NotificationsRepository,
  type InboxMessage,
  type NewNotification,
  type NotificationRow,
  type Recipient,
} from './notifications.repository.js';
import type { SmsDeliveryState } from './aliyun-sms.js';
import type { PeopleService, PersonContact } from '../people/module.js';
import type { GisServices } from '../gis/module.js';

const log = moduleLogger('notifications');

const recipient = (p: PersonContact): Recipient => ({
  personId: p.id,
  name: p.name,
  phone: p.phone,
  key: `person:${p.id}`,
});

/** What the service needs of an SMS provider (Aliyun's client, or none configured). */
export interface SmsGateway {
  send(phone: string, templateCode: string, params: Record<string, string>, now: Date): Promise<{ providerId: string }>;
  status(
    phone: string,
    providerId: string,
    sentAt: Date,
    now: Date,
  ): Promise<{ state: SmsDeliveryState; detail: string }>;
}

/** What the messages need of people and places, from their own domains' services. */
export interface Directory {
  people: Pick<PeopleService, 'contacts' | 'gridHeads'>;
  gis: Pick<GisServices, 'gridName' | 'areaName'>;
}

/** Who a message to an organisation reaches (organisations' public service, given by the composition). */
export type OrgRecipientsLookup = (orgId: number) => Promise<{
  name: string;
  phone: string | null;
  members: { accountId: number; displayName: string }[];
} | null>;

export interface NotificationSettings {
  /** The town's clock (UTC+8): how times are written in the messages. */
  utcOffsetHours: number;
  offerUnansweredS: number;
  quiet: QuietHours | null;
  smsPerHour: number;
}

export class NotificationsService {
  /** The clock: tests move it through a scripted day. */
  now: () => Date = () => new Date();

  constructor(
    private readonly db: Db,
    private readonly live: LiveBus,
    private readonly gateway: SmsGateway | null,
    readonly settings: NotificationSettings,
    private readonly directory: Directory,
    private readonly orgRecipients: OrgRecipientsLookup | null = null,
  ) {}

  /** The hook: events as the live bus carries them (topics `offers`, `incidents` and `handoffs`). */
  async onEvents(events: { topic: string; townId: number; personId?: number; data: unknown }[]): Promise<void> {
    const intents = rulesFor(events, this.settings.offerUnansweredS * 1000, this.settings.utcOffsetHours);
    for (const intent of intents) await this.apply(intent);
  }

  private async apply(intent: Intent): Promise<void> {
    const repo = new NotificationsRepository(this.db);
    const now = this.now();
    if (intent.kind === 'cancel') {
      await repo.cancel(intent.subject, intent.reason, now);
      return;
    }
    const recipients = (await Promise.all(intent.to.map((r) => this.resolve(repo, r)))).flat();
    const params = { ...intent.params };
    if ('gridId' in params) {
      const gridId = Number(params['gridId']);
      params['grid'] = (await this.directory.gis.gridName(gridId)) ?? `#${gridId}`;
      delete params['gridId'];
    }
    if (intent.rule === 'escalated') params['town'] = (await this.directory.gis.areaName(intent.townId)) ?? '';
    const dueAt = new Date(now.getTime() + intent.delayMs);
    // What can wait is held through the quiet hours, unless its deadline comes first.
    const held = intent.urgent ? dueAt : notBeforeQuietEnd(dueAt, this.settings.quiet);
    const smsDue = intent.notAfter && held.getTime() > intent.notAfter.getTime() ? dueAt : held;
    const rows: NewNotification[] = [];
    for (const r of recipients) {
      const p = fitParams(intent.rule === 'offer_unanswered' ? { ...params, name: r.name } : params);
      const base = {
        rule: intent.rule,
        townId: intent.townId,
        personId: r.personId,
        recipient: r.name,
        template: TEMPLATES[intent.rule].code,
        params: p,
        body: render(intent.rule, p),
        subject: intent.subject,
      };
      if (r.phone)
        rows.push({
          ...base,
          dedupeKey: `${intent.occasion}:${r.key}:sms`,
          channel: 'sms',
          phone: r.phone,
          dueAt: smsDue,
        });
      if (r.personId !== null || r.accountId)
        rows.push({
          ...base,
          accountId: r.accountId ?? null,
          dedupeKey: `${intent.occasion}:${r.key}:in_app`,
          channel: 'in_app',
          phone: null,
          dueAt,
        });
    }
    await repo.insert(rows);
  }

  private async resolve(repo: NotificationsRepository, to: Recipients): Promise<Recipient[]> {
    if ('person' in to) {
      const person = (await this.directory.people.contacts([to.person])).get(to.person);
      return person ? [recipient(person)] : [];
    }
    if ('gridHeadsOf' in to) return (await this.directory.people.gridHeads(to.gridHeadsOf)).map(recipient);
    if ('org' in to) {
      const org = this.orgRecipients ? await this.orgRecipients(to.org) : null;
      if (!org) {
        log.warn({ orgId: to.org }, 'no such organisation (or none to ask); message not written');
        return [];
      }
      return [
        ...org.members.map((m) => ({
          personId: null,
          accountId: m.accountId,
          name: m.displayName,
          phone: null,
          key: `account:${m.accountId}`,
        })),
        ...(org.phone ? [{ personId: null, name: org.name, phone: org.phone, key: `org:${to.org}` }] : []),
      ];
    }
    const contact = await repo.contact(to.townId, to.contact);
    if (!contact) log.warn({ townId: to.townId, role: to.contact }, 'no contact set; message not written');
    return contact ? [contact] : [];
  }

  /** Sends what is due; returns how many rows it settled. */
  async sendDue(limit = 100): Promise<number> {
    const repo = new NotificationsRepository(this.db);
    const now = this.now();
    await repo.releaseStale(new Date(now.getTime() - 120_000));
    const due = await repo.claimDue(now, limit);
    for (const n of due) await this.deliver(repo, n, now);
    return due.length;
  }

  private async deliver(repo: NotificationsRepository, n: NotificationRow, now: Date): Promise<void> {
    if (n.channel === 'in_app') {
      await repo.settle(n.id, 'delivered', now, null);
      // To the gridworker's phone, or to the account's streams at the web app.
      if ((n.personId !== null || n.accountId !== null) && n.townId !== null)
        await this.live
          .publish([
            {
              topic: 'notifications',
              townId: n.townId,
              ...(n.personId !== null ? { personId: n.personId } : { accountId: n.accountId! }),
              // accountId: the web app shows its own (an account's stream hears gridworkers' too).
              data: { id: n.id, rule: n.rule, body: n.body, at: now, accountId: n.accountId ?? undefined },
            },
          ])
          .catch(() => undefined);
      return;
    }
    if (!this.gateway) return repo.settle(n.id, 'failed', now, '未配置短信网关 (NOTIFY_SMS_PROVIDER)');
    const sent = await repo.smsSentSince(n.phone!, new Date(now.getTime() - 3_600_000));
    if (sent >= this.settings.smsPerHour)
      return repo.settle(n.id, 'rate_limited', now, `该号码一小时内已发送${sent}条`);
    try {
      const { providerId } = await this.gateway.send(n.phone!, n.template, n.params, now);
      await repo.settle(n.id, 'sent', now, null, providerId);
    } catch (err) {
      const message = (err as Error).message;
      // The provider refused it (a bad number, a template not approved): final. Unreachable: again later.
      const final = 'code' in (err as object) && !String((err as { code: string }).code).startsWith('HTTP_5');
      if (final || n.attempts >= 5) await repo.settle(n.id, 'failed', now, message);
      else await repo.settle(n.id, 'scheduled', now, message);
      log.warn({ id: n.id, err: message }, 'SMS not sent');
    }
  }

  /** Asks the gateway for the receipts of messages sent and not yet settled. */
  async pollReceipts(limit = 100): Promise<number> {
    if (!this.gateway) return 0;
    const repo = new NotificationsRepository(this.db);
    const now = this.now();
    let settled = 0;
    for (const n of await repo.awaitingReceipt(limit)) {
      try {
        const r = await this.gateway.status(n.phone!, n.providerId!, n.sentAt!, now);
        if (r.state === 'waiting') continue;
        await repo.settle(n.id, r.state, now, r.detail || null);
        settled++;
      } catch (err) {
        log.warn({ id: n.id, err: (err as Error).message }, 'SMS receipt not read');
      }
    }
    return settled;
  }

  list(auth: AuthContext, limit: number): Promise<NotificationRow[]> {
    return new NotificationsRepository(this.db).list({ townIds: auth.townFilter, limit });
  }

  /** An account's own in-app messages (an organisation's reminders and 督办), newest first, and how many are unread. */
  async mine(accountId: number, limit = 50): Promise<{ items: InboxMessage[]; unread: number }> {
    const repo = new NotificationsRepository(this.db);
    const [items, unread] = await Promise.all([repo.inbox(accountId, limit), repo.unread(accountId)]);
    return { items, unread };
  }

  /**
   * Marks the account's own messages read: these ids, or all. An id of someone else's
   * message is ignored like one of no message, so the answer tells nothing of others'.
   */
  async markRead(accountId: number, ids: number[] | 'all'): Promise<{ marked: number; unread: number }> {
    const repo = new NotificationsRepository(this.db);
    const marked = await repo.markRead(accountId, ids === 'all' ? null : ids, this.now());
    return { marked, unread: await repo.unread(accountId) };
  }

  /** A gridworker's own in-app messages. */
  inbox(personId: number, limit = 50): Promise<NotificationRow[]> {
    return new NotificationsRepository(this.db).list({ townIds: null, personId, limit });
  }

  contacts(auth: AuthContext) {
    return new NotificationsRepository(this.db).contacts(auth.townFilter);
  }

  async setContact(auth: AuthContext, townId: number, role: string, name: string, phone: string): Promise<void> {
    auth.assertTown(townId);
    await new NotificationsRepository(this.db).setContact(townId, role, name, phone);
  }
}
