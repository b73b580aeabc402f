import { z } from 'zod';
import { route, type AnyRoute } from '../platform/http/route.js';
import { IdParams, Code } from '../gis/module.js';
import { convertPoint, CrsSchema } from '../gis/module.js';
import type { CamerasService, PlacementSpec } from './cameras.service.js';
import type { PtzCommand, PtzService } from './ptz.service.js';
import type { CameraHealth } from './camera-health.js';
import type { CameraDiscovery } from './camera-discovery.js';
import type { AlertsService } from './alerts.service.js';
import type { CameraAdminService } from './camera-admin.service.js';
import type { MediaStore } from '../platform/media-store.js';
import { NotFound } from '../platform/errors.js';
import { EVERYONE } from '../platform/auth/roles.js';

const OPERATORS = ['operator', 'dispatcher'] as const;
const INSTALLERS = ['installer'] as const;
// Installers steer too, to check a camera they put up; an operator outranks them for the lock.
const STEERERS = [...OPERATORS, ...INSTALLERS] as const;

const CameraName = z.string().min(1).max(100);
const Username = z.string().min(1).max(64);
const Password = z.string().max(128);
const Host = z.string().regex(/^[A-Za-z0-9.-]{1,253}$|^\[[0-9a-fA-F:]+\]$/, 'a host name or IP address');
const Placement = z.strictObject({
  lon: z.number().min(-180).max(180),
  lat: z.number().min(-90).max(90),
  crs: CrsSchema,
  mountHeightM: z.number().min(0).max(500).default(6),
  headingDeg: z.number().min(0).max(360).default(0),
  hfovDeg: z.number().gt(0).max(360).default(60),
  rangeM: z.number().gt(0).max(20_000).default(100),
  highPosition: z.boolean().default(false),
  zoomMax: z.number().min(1).max(100).default(20),
  panOffsetDeg: z.number().min(-360).max(360).default(0),
  tiltOffsetDeg: z.number().min(-90).max(90).default(0),
});
type PlacementBody = z.infer<typeof Placement>;

const toSpec = ({ crs, ...p }: PlacementBody): PlacementSpec => {
  const [lon, lat] = convertPoint(p.lon, p.lat, crs, 'WGS84');
  return { ...p, lon, lat };
};

const Unit = z.number().min(-1).max(1);
const Vector = z.strictObject({ x: Unit.default(0), y: Unit.default(0), zoom: Unit.default(0) });
const Lease = z
  .number()
  .int()
  .min(200)
  .max(5000)
  .default(1000)
  .describe('ms; renew before it runs out or the camera stops');
const Command = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('continuous'), velocity: Vector, leaseMs: Lease }),
  z.strictObject({ type: z.literal('renew'), leaseMs: Lease }),
  z.strictObject({ type: z.literal('stop') }),
  z.strictObject({ type: z.literal('absolute'), position: Vector, speed: z.number().min(0).max(1).optional() }),
  z.strictObject({ type: z.literal('relative'), translation: Vector, speed: z.number().min(0).max(1).optional() }),
  z.strictObject({ type: z.literal('goto_preset'), token: z.string().min(1).max(64) }),
  z.strictObject({ type: z.literal('set_preset'), name: z.string().min(1).max(64) }),
  z.strictObject({ type: z.literal('remove_preset'), token: z.string().min(1).max(64) }),
  z.strictObject({ type: z.literal('home') }),
  z.strictObject({ type: z.literal('set_home') }),
  z.strictObject({
    type: z.literal('look_at'),
    lon: z.number().min(-180).max(180),
    lat: z.number().min(-90).max(90),
    crs: CrsSchema,
  }),
]);

export function cameraRoutes(
  cameras: CamerasService,
  ptz: PtzService,
  health: CameraHealth,
  discovery: CameraDiscovery,
  alerts: AlertsService,
  media: MediaStore,
  admin: CameraAdminService,
): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/api/alerts',
      summary: 'Camera alerts, newest first (a burst is one alert with a count)',
      tag: 'alerts',
      access: OPERATORS,
      query: z.strictObject({ camera: z.coerce.number().int().positive().optional() }),
      handler: ({ auth, query }) => alerts.list(auth, query.camera),
    }),
    route({
      method: 'get',
      path: '/api/media/:name',
      summary: 'A stored photo or snapshot',
      tag: 'alerts',
      access: OPERATORS,
      params: z.strictObject({ name: z.string().regex(/^[0-9a-f]{64}\.(jpg|png|mp4)$/, 'a media file name') }),
      handler: async ({ params, res }) => {
        const body = await media.read(params.name).catch(() => null);
        if (!body) throw new NotFound(`Media ${params.name}`);
        res.type(params.name.split('.').pop()!).setHeader('Cache-Control', 'private, max-age=31536000, immutable');
        res.send(body);
      },
    }),
    route({
      method: 'get',
      path: '/api/cameras',
      summary: 'Cameras with placement, status and abilities (never credentials)',
      tag: 'cameras',
      access: EVERYONE,
      query: z.strictObject({ status: z.enum(['unknown', 'online', 'offline', 'error']).optional() }),
      handler: ({ auth, query }) => cameras.list(auth, query.status ?? null),
    }),
    route({
      method: 'get',
      path: '/api/cameras/discover',
      summary: 'ONVIF devices answering WS-Discovery that are not registered yet',
      tag: 'cameras',
      access: INSTALLERS,
      query: z.strictObject({ timeoutMs: z.coerce.number().int().min(200).max(10_000).default(2000) }),
      handler: ({ query }) => discovery.unregistered(query.timeoutMs),
    }),
    route({
      method: 'get',
      path: '/api/cameras/visible',
      summary: 'Cameras that see a point, or can be turned to it, nearest first',
      tag: 'cameras',
      access: EVERYONE,
      query: z.strictObject({
        lon: z.coerce.number().min(-180).max(180),
        lat: z.coerce.number().min(-90).max(90),
        crs: CrsSchema,
      }),
      handler: ({ auth, query }) => {
        const [lon, lat] = convertPoint(query.lon, query.lat, query.crs, 'WGS84');
        return cameras.whoSees(auth, { lon, lat });
      },
    }),
    route({
      method: 'post',
      path: '/api/cameras',
      summary: 'Register an ONVIF camera: the server connects and reads what it is',
      tag: 'cameras',
      access: INSTALLERS,
      status: 201,
      body: z.strictObject({
        name: CameraName,
        host: Host,
        port: z.number().int().min(1).max(65535).default(80),
        username: Username,
        password: Password,
        townCode: Code,
        placement: Placement.optional(),
      }),
      handler: ({ auth, body }) =>
        cameras.register(auth, { ...body, placement: body.placement && toSpec(body.placement) }),
    }),
    route({
      method: 'get',
      path: '/api/cameras/:id',
      summary: 'One camera',
      tag: 'cameras',
      access: EVERYONE,
      params: IdParams,
      handler: ({ auth, params }) => cameras.get(auth, params.id),
    }),
    route({
      method: 'patch',
      path: '/api/cameras/:id',
      summary: 'Rename a camera (placement and credentials have their own routes)',
      tag: 'cameras',
      access: INSTALLERS,
      params: IdParams,
      body: z.strictObject({ name: CameraName }),
      handler: ({ auth, params, body }) => admin.edit(auth, params.id, body),
    }),
    route({
      method: 'put',
      path: '/api/cameras/:id/streams',
      summary:
        "Choose the profiles played as main and sub stream (tokens from the camera's profiles, with codec and resolution)",
      tag: 'cameras',
      access: INSTALLERS,
      params: IdParams,
      body: z.strictObject({ main: z.string().min(1).max(64), sub: z.string().min(1).max(64).nullable() }),
      handler: ({ auth, params, body }) => admin.chooseStreams(auth, params.id, body),
    }),
    route({
      method: 'patch',
      path: '/api/cameras/:id/credentials',
      summary:
        'New credentials after the password was changed on the device: checked against it before they are stored',
      tag: 'cameras',
      access: INSTALLERS,
      params: IdParams,
      body: z.strictObject({ username: Username.optional(), password: Password }),
      handler: ({ auth, params, body }) => admin.setCredentials(auth, params.id, body),
    }),
    route({
      method: 'delete',
      path: '/api/cameras/:id',
      summary: 'Retire a camera: it leaves the lists, health checks, alarms and relays; its history stays',
      tag: 'cameras',
      access: INSTALLERS,
      params: IdParams,
      status: 204,
      handler: ({ auth, params }) => admin.retire(auth, params.id),
    }),
    route({
      method: 'put',
      path: '/api/cameras/:id/placement',
      summary: 'Place or move a camera (history kept, grid assigned)',
      tag: 'cameras',
      access: INSTALLERS,
      params: IdParams,
      body: Placement,
      handler: ({ auth, params, body }) => cameras.place(auth, params.id, toSpec(body)),
    }),
    route({
      method: 'get',
      path: '/api/cameras/:id/placements',
      summary: 'Where the camera stood over time',
      tag: 'cameras',
      access: EVERYONE,
      params: IdParams,
      handler: ({ auth, params }) => cameras.placements(auth, params.id),
    }),
    route({
      method: 'post',
      path: '/api/cameras/:id/check',
      summary: 'Check the camera now (ONVIF clock and RTSP)',
      tag: 'cameras',
      access: ['installer', 'operator'],
      params: IdParams,
      handler: async ({ auth, params }) => {
        await cameras.get(auth, params.id);
        await health.checkOne(params.id);
        return cameras.get(auth, params.id);
      },
    }),
    route({
      method: 'post',
      path: '/api/cameras/:id/ptz',
      summary: 'Steer: continuous (with lease) / renew / stop / absolute / relative / presets / home / look_at',
      tag: 'ptz',
      access: STEERERS,
      params: IdParams,
      body: Command,
      handler: ({ auth, params, body }) => {
        const cmd = body.type === 'look_at' ? { type: 'look_at' as const, ...pointIn(body) } : body;
        return ptz.command(auth, params.id, cmd as PtzCommand);
      },
    }),
    route({
      method: 'get',
      path: '/api/cameras/:id/ptz',
      summary: 'Where the camera points now, and who holds its control',
      tag: 'ptz',
      access: STEERERS,
      params: IdParams,
      handler: ({ auth, params }) => ptz.status(auth, params.id),
    }),
    route({
      method: 'get',
      path: '/api/cameras/:id/ptz/presets',
      summary: "The camera's presets",
      tag: 'ptz',
      access: STEERERS,
      params: IdParams,
      handler: ({ auth, params }) => ptz.presets(auth, params.id),
    }),
    route({
      method: 'get',
      path: '/api/cameras/:id/ptz/lock',
      summary: 'Who steers this camera',
      tag: 'ptz',
      access: STEERERS,
      params: IdParams,
      handler: ({ auth, params }) => ptz.lock(auth, params.id),
    }),
    route({
      method: 'delete',
      path: '/api/cameras/:id/ptz/lock',
      summary: 'Give up the control of this camera',
      tag: 'ptz',
      access: STEERERS,
      params: IdParams,
      status: 204,
      handler: ({ auth, params }) => ptz.releaseLock(auth, params.id),
    }),
    route({
      method: 'get',
      path: '/api/cameras/:id/ptz/log',
      summary: 'Every PTZ command sent to this camera',
      tag: 'ptz',
      access: OPERATORS,
      params: IdParams,
      handler: ({ auth, params }) => ptz.log(auth, params.id),
    }),
  ];
}

function pointIn(body: { lon: number; lat: number; crs: 'WGS84' | 'GCJ02' }): { lon: number; lat: number } {
  const [lon, lat] = convertPoint(body.lon, body.lat, body.crs, 'WGS84');
  return { lon, lat };
}
