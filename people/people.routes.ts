import { z } from 'zod';
import { route, type AnyRoute } from '../platform/http/route.js';
import { Code, IdParams } from '../gis/module.js';
import { DUTY_STATUSES, PERSON_ROLES } from './people.repository.js';
import type { PeopleService } from './people.service.js';
import { COMMAND_ROOM, DEVICE_ROLES } from '../platform/auth/roles.js';

const Phone = z.string().regex(/^\+?[0-9 -]{5,20}$/, 'a phone number of 5–20 digits');
const PersonBody = z.strictObject({
  name: z.string().min(1).max(50),
  phone: Phone,
  roles: z.array(z.enum(PERSON_ROLES)).min(1),
  villageCode: Code,
  gridCodes: z.array(Code).max(50).default([]),
  dutyStatus: z.enum(DUTY_STATUSES).optional(),
  accountId: z.number().int().positive().nullable().optional(),
});
const DeviceBody = z.strictObject({
  identifier: z
    .string()
    .regex(/^[\w.:-]{1,64}$/, '1–64 letters, digits or _.:-')
    .optional()
    .describe("the phone's own identifier (OsmAnd's); left out, the server makes one nobody can guess"),
  name: z.string().max(100).optional(),
});

export function peopleRoutes(people: PeopleService): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/api/people',
      summary: 'People of the grid roles, with their grids and phones',
      tag: 'people',
      access: [...COMMAND_ROOM, ...DEVICE_ROLES],
      query: z.strictObject({
        town: Code.optional(),
        role: z.enum(PERSON_ROLES).optional(),
        duty: z.enum(DUTY_STATUSES).optional(),
        grid: Code.optional(),
      }),
      handler: ({ auth, query }) =>
        people.list(auth, { townCode: query.town, role: query.role, duty: query.duty, gridCode: query.grid }),
    }),
    route({
      method: 'post',
      path: '/api/people',
      summary: 'Add people (one, or many at once)',
      tag: 'people',
      access: ['admin'],
      status: 201,
      body: z.union([PersonBody, z.array(PersonBody).min(1).max(5000)]),
      bodyLimit: 'large', // up to 5,000 people at once
      handler: ({ auth, body }) => people.create(auth, Array.isArray(body) ? body : [body]),
    }),
    route({
      method: 'get',
      path: '/api/people/me',
      summary: 'The person record of the logged-in gridworker',
      tag: 'people',
      access: 'authenticated',
      handler: ({ auth }) => people.me(auth),
    }),
    route({
      method: 'get',
      path: '/api/people/:id',
      summary: 'One person',
      tag: 'people',
      access: [...COMMAND_ROOM, ...DEVICE_ROLES],
      ownerAccess: ['gridworker'],
      params: IdParams,
      handler: ({ auth, params, ownerOnly }) => people.get(auth, params.id, { ownerOnly }),
    }),
    route({
      method: 'patch',
      path: '/api/people/:id',
      summary: 'Change a person',
      tag: 'people',
      access: ['admin'],
      params: IdParams,
      body: PersonBody.partial().strict(),
      handler: ({ auth, params, body }) => people.update(auth, params.id, body),
    }),
    route({
      method: 'put',
      path: '/api/people/:id/duty',
      summary: 'Set duty status (the gridworker themself, or a dispatcher)',
      tag: 'people',
      access: ['dispatcher'],
      ownerAccess: ['gridworker'],
      params: IdParams,
      body: z.strictObject({ status: z.enum(DUTY_STATUSES) }),
      handler: ({ auth, params, body, ownerOnly }) => people.setDuty(auth, params.id, body.status, ownerOnly),
    }),
    route({
      method: 'post',
      path: '/api/people/:id/devices',
      summary: 'Register phones; the batch-API token is shown only in this answer',
      tag: 'people',
      access: DEVICE_ROLES,
      params: IdParams,
      status: 201,
      body: z.union([DeviceBody, z.array(DeviceBody).min(1).max(10)]),
      handler: ({ auth, params, body }) => people.addDevices(auth, params.id, Array.isArray(body) ? body : [body]),
    }),
    route({
      method: 'delete',
      path: '/api/devices/:id',
      summary: 'Disable a phone: its fixes are refused from now on',
      tag: 'people',
      access: DEVICE_ROLES,
      params: IdParams,
      status: 204,
      handler: ({ auth, params }) => people.disableDevice(auth, params.id),
    }),
  ];
}
