// What the command room sees of the messages sent (with their delivery status), who the
// town's leader and the county's duty officer are, and a phone's own in-app messages.
import { z } from 'zod';
import { route, type AnyRoute } from '../platform/http/route.js';
import { COMMAND_ROOM, EVERYONE } from '../platform/auth/roles.js';
import type { NotificationsService } from './notifications.service.js';

const Contact = z.strictObject({
  townId: z.number().int().positive(),
  role: z.enum(['town_leader', 'county_duty_officer']),
  name: z.string().trim().min(1).max(50),
  phone: z.string().regex(/^\+?[0-9 -]{5,20}$/, 'a phone number of 5–20 digits'),
});

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
      summary: "The caller's own in-app messages (an organisation's reminders before deadlines, 督办), newest first",
      handler: ({ auth, query }) => service.mine(auth.me.id, query.limit),
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
