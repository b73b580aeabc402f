import { z } from 'zod';
import { route, type AnyRoute } from '../../platform/http/route.js';
import { COMMAND_ROOM } from '../../platform/auth/roles.js';
import { IdParams } from '../../gis/module.js';
import type { ToursService } from './tours.service.js';

const HHMM = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/)
  .describe('HH:MM, town time');
const Tour = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    speed: z.number().gt(0).max(1).default(0.5),
    enabled: z.boolean().default(false),
    activeFrom: HHMM.nullable().default(null),
    activeTo: HHMM.nullable().default(null),
    stops: z
      .array(
        z.strictObject({
          presetToken: z.string().min(1).max(64),
          dwellS: z.number().int().min(1).max(3600).describe('seconds held at the preset'),
        }),
      )
      .min(1)
      .max(64),
  })
  .refine((t) => (t.activeFrom === null) === (t.activeTo === null), {
    message: 'give activeFrom and activeTo together (or neither: all day)',
    path: ['activeTo'],
  });
const Guard = z
  .strictObject({
    enabled: z.boolean().default(true),
    idleS: z.number().int().min(5).max(86400).describe('idle seconds before the camera goes back'),
    presetToken: z.string().min(1).max(64).nullable().default(null),
    tourId: z.number().int().positive().nullable().default(null),
  })
  .refine((g) => (g.presetToken === null) !== (g.tourId === null), {
    message: 'give either presetToken (back to a preset) or tourId (resume a tour)',
    path: ['presetToken'],
  });
const TourParams = z.strictObject({ tourId: z.coerce.number().int().positive() });

export function tourRoutes(tours: ToursService): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/api/cameras/:id/tours',
      summary: "A camera's tours (巡航), its guard position (守望位), and what the runner is doing now",
      tag: 'ptz',
      access: COMMAND_ROOM,
      params: IdParams,
      handler: ({ auth, params }) => tours.list(auth, params.id),
    }),
    route({
      method: 'post',
      path: '/api/cameras/:id/tours',
      summary: 'New tour: ordered presets with dwell times, a speed, an optional daily window',
      tag: 'ptz',
      access: COMMAND_ROOM,
      status: 201,
      params: IdParams,
      body: Tour,
      handler: ({ auth, params, body }) => tours.save(auth, params.id, body),
    }),
    route({
      method: 'put',
      path: '/api/cameras/:id/tours/:tourId',
      summary: 'Replace a tour',
      tag: 'ptz',
      access: COMMAND_ROOM,
      params: IdParams.extend(TourParams.shape),
      body: Tour,
      handler: ({ auth, params, body }) => tours.save(auth, params.id, body, params.tourId),
    }),
    route({
      method: 'post',
      path: '/api/tours/:tourId/enabled',
      summary: 'Start (true) or stop (false) a tour',
      tag: 'ptz',
      access: COMMAND_ROOM,
      params: TourParams,
      body: z.strictObject({ enabled: z.boolean() }),
      handler: ({ auth, params, body }) => tours.setEnabled(auth, params.tourId, body.enabled),
    }),
    route({
      method: 'delete',
      path: '/api/tours/:tourId',
      summary: 'Delete a tour',
      tag: 'ptz',
      access: COMMAND_ROOM,
      status: 204,
      params: TourParams,
      handler: ({ auth, params }) => tours.remove(auth, params.tourId),
    }),
    route({
      method: 'put',
      path: '/api/cameras/:id/guard',
      summary: 'Guard position (守望位): after idleS without an operator, back to a preset or resume a tour',
      tag: 'ptz',
      access: COMMAND_ROOM,
      params: IdParams,
      body: Guard,
      handler: ({ auth, params, body }) => tours.saveGuard(auth, { cameraId: params.id, ...body }),
    }),
    route({
      method: 'delete',
      path: '/api/cameras/:id/guard',
      summary: 'Remove the guard position',
      tag: 'ptz',
      access: COMMAND_ROOM,
      status: 204,
      params: IdParams,
      handler: ({ auth, params }) => tours.removeGuard(auth, params.id),
    }),
  ];
}
