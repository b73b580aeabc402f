// What the command room sees of the messages sent (with their delivery status), who the
// town's leader and the county's duty officer are, and a phone's own in-app messages.
import { z } from 'zod';
import { route, type AnyRoute } from '../platform/http/route.js';
import { answer } from '../platform/http/answer.js';
import { COMMAND_ROOM, EVERYONE } from '../platform/auth/roles.js';
import type { NotificationsService } from './notifications.service.js';
import { TEMPLATES, type Rule } from './templates.js';

const Contact = z.strictObject({
  townId: z.number().int().positive(),
  role: z.enum(['town_leader', 'county_duty_officer']),
  name: z.string().trim().min(1).max(50),
  phone: z.string().regex(/^\+?[0-9 -]{5,20}$/, 'a phone number of 5–20 digits'),
});

const DateTime = z.iso.datetime({ offset: true });

const Inbox = answer<Awaited<ReturnType<NotificationsService['mine']>>>()(
  z
    .object({
      items: z.array(
        z
          .object({
            id: z.number().int(),
            rule: z.enum(Object.keys(TEMPLATES) as [Rule, ...Rule[]]),
            body: z.string().describe('The text as the recipient reads it'),
            incidentId: z.number().int().nullable().describe('The incident it is about'),
            at: DateTime.describe('When it reached the account'),
            readAt: DateTime.nullable().describe('When the account first read it; null: unread'),
          })
          .meta({ id: 'InboxMessage' }),
      ),
      unread: z.number().int().describe("How many of all the account's messages are unread"),
    })
    .meta({ id: 'Inbox' }),
);

/** Which of the caller's messages to mark read: some by id, or all of them. */
const ReadBody = z
  .strictObject({
    ids: z.array(z.number().int().positive()).min(1).max(500).optional(),
    all: z.literal(true).optional(),
  })
  .refine((b) => (b.ids === undefined) !== (b.all === undefined), {
    message: 'give either ids (a list of message ids) or all: true',
    path: ['ids'],
  });

const ReadAnswer = answer<Awaited<ReturnType<NotificationsService['markRead']>>>()(
  z.object({
    marked: z.number().int().describe("Messages marked now (already read ones, and ids not the caller's, are not)"),
    unread: z.number().int().describe("How many of the caller's messages are still unread"),
  }),
);

export function notificationRoutes(service: NotificationsService): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/api/notifications',
      tag: 'notifications',
      access: COMMAND_ROOM,
      query: z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(200) }),
      summary: 'Messages the rules sent (SMS, in-app), newest first, with their delivery status',
      handler: ({ auth, query }) => service.list(auth, query.limit),
    }),
    route({
      method: 'get',
      path: '/api/notification-contacts',
      tag: 'notifications',
      access: COMMAND_ROOM,
      summary: "Each town's leader and county duty officer, who get the SMS of yellow cards, flags and escalations",
      handler: ({ auth }) => service.contacts(auth),
    }),
    route({
      method: 'put',
      path: '/api/notification-contacts',
      tag: 'notifications',
      access: ['admin'],
      body: Contact,
      status: 204,
      summary: "Sets a town's leader or county duty officer",
      handler: async ({ auth, body }) => {
        await service.setContact(auth, body.townId, body.role, body.name, body.phone);
      },
    }),
    route({
      method: 'get',
      path: '/api/me/notifications',
      tag: 'notifications',
      access: EVERYONE,
      query: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
      summary:
        "The caller's own in-app messages (an organisation's reminders before deadlines, 督办), newest first, with the " +
        'time each was read and how many are unread',
      responses: { 200: { description: 'The messages and the unread count', schema: Inbox } },
      handler: ({ auth, query }) => service.mine(auth.me.id, query.limit),
    }),
    route({
      method: 'post',
      path: '/api/me/notifications/read',
      tag: 'notifications',
      access: EVERYONE,
      body: ReadBody,
      summary:
        "Marks the caller's own messages read, by id or all; ids of anyone else's messages are ignored like unknown ones",
      responses: { 200: { description: 'How many were marked, and how many stay unread', schema: ReadAnswer } },
      handler: ({ auth, body }) => service.markRead(auth.me.id, body.all ? 'all' : body.ids!),
    }),
    route({
      method: 'get',
      path: '/api/phone/notifications',
      tag: 'phone',
      access: 'device',
      summary: "The phone's gridworker's in-app messages (device token), newest first",
      handler: ({ device }) => service.inbox(device!.personId),
    }),
  ];
}
