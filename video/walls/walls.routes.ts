import { z } from 'zod';
import { route, type AnyRoute } from '../../platform/http/route.js';
import { COMMAND_ROOM } from '../../platform/auth/roles.js';
import { IdParams } from '../../gis/module.js';
import { tilesOf, type WallsService } from './walls.service.js';

const Layout = z
  .string()
  .regex(/^(1|4|6|8|9|16|25|36|[1-9]x[1-9])$/)
  .describe('1, 4, 6, 8, 9, 16, 25, 36, or a custom ROWSxCOLUMNS such as 3x5');
const CameraIds = z
  .array(z.number().int().positive().nullable())
  .max(288)
  .describe('tile order, null = empty; more cameras than tiles are shown in turn (轮巡)');
const RotateS = z.number().int().min(5).max(3600).nullable().default(null).describe('轮巡: next group every N s');
const Wall = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    layout: Layout,
    cameraIds: CameraIds,
    rotateS: RotateS,
    screens: z.number().int().min(1).max(8).default(1).describe('browser windows (screens) the wall spreads over'),
  })
  .refine((w) => w.cameraIds.length <= tilesOf(w.layout) * w.screens || w.rotateS !== null, {
    message: 'more cameras than tiles on all screens: give rotateS to show them in turn',
    path: ['rotateS'],
  });
const LastWall = z.strictObject({
  layout: Layout,
  cameraIds: CameraIds,
  rotateS: RotateS,
  wallId: z.number().int().positive().nullable().default(null),
});

export function wallRoutes(walls: WallsService): AnyRoute[] {
  return [
    // Before /api/walls/:id, which would take "last" for an id.
    route({
      method: 'get',
      path: '/api/walls/last',
      summary: 'The wall I left last (restored at login)',
      tag: 'video',
      access: COMMAND_ROOM,
      handler: ({ auth }) => walls.last(auth),
    }),
    route({
      method: 'put',
      path: '/api/walls/last',
      summary: 'Remember the wall as it is now',
      tag: 'video',
      access: COMMAND_ROOM,
      body: LastWall,
      handler: ({ auth, body }) => walls.saveLast(auth, body),
    }),
    route({
      method: 'get',
      path: '/api/walls',
      summary: 'My saved walls (预案)',
      tag: 'video',
      access: COMMAND_ROOM,
      handler: ({ auth }) => walls.list(auth),
    }),
    route({
      method: 'post',
      path: '/api/walls',
      summary: 'Save a wall (预案): layout, cameras, rotation, screens',
      tag: 'video',
      access: COMMAND_ROOM,
      status: 201,
      body: Wall,
      handler: ({ auth, body }) => walls.save(auth, body),
    }),
    route({
      method: 'put',
      path: '/api/walls/:id',
      summary: 'Change a saved wall; its other screens follow through the live stream (topic walls)',
      tag: 'video',
      access: COMMAND_ROOM,
      params: IdParams,
      body: Wall,
      handler: ({ auth, params, body }) => walls.save(auth, body, params.id),
    }),
    route({
      method: 'delete',
      path: '/api/walls/:id',
      summary: 'Delete a saved wall',
      tag: 'video',
      access: COMMAND_ROOM,
      status: 204,
      params: IdParams,
      handler: ({ auth, params }) => walls.remove(auth, params.id),
    }),
  ];
}
