// What the cameras' routes answer, for the OpenAPI document and the web app's generated
// types; each schema is checked against the service's own type (platform/http/answer.ts).
import { z } from 'zod';
import { answer } from '../platform/http/answer.js';
import type { Camera } from './cameras.repository.js';
import type { LockHolder } from './ptz-lock.js';
import type { PtzPreset } from './onvif/onvif-driver.js';
import type { PtzService } from './ptz.service.js';
import type { CamerasService } from './cameras.service.js';
import type { Visibility } from './look-at.js';

const DateTime = z.iso.datetime({ offset: true });
const Range = z.object({ min: z.number(), max: z.number() }).nullable();

export const CameraAnswer = answer<Camera>()(
  z
    .object({
      id: z.number().int(),
      townId: z.number().int(),
      name: z.string(),
      host: z.string(),
      port: z.number().int(),
      username: z.string(),
      manufacturer: z.string().nullable(),
      model: z.string().nullable(),
      firmware: z.string().nullable(),
      serial: z.string().nullable(),
      hardwareId: z.string().nullable(),
      /** Media profiles with codec and resolution, and which one plays as main / sub. */
      profiles: z.array(
        z.object({
          token: z.string(),
          name: z.string(),
          width: z.number(),
          height: z.number(),
          encoding: z.string().describe('"H264", "H265", … as the camera spells it'),
          fps: z.number().nullable(),
          ptz: z.boolean(),
          stream: z.enum(['main', 'sub']).nullable(),
          rtsp: z.boolean().nullable(),
        }),
      ),
      streams: z
        .object({ main: z.boolean(), sub: z.boolean() })
        .describe('Whether the camera has a main / sub RTSP stream; the URIs never leave the server'),
      hasSnapshot: z.boolean(),
      ptz: z
        .object({
          panRange: Range,
          tiltRange: Range,
          zoomRange: Range,
          continuous: z.boolean(),
          absolute: z.boolean(),
          relative: z.boolean(),
          home: z.boolean(),
          presetsSupported: z.boolean(),
          maxPresets: z.number().nullable(),
        })
        .nullable(),
      status: z.enum(['unknown', 'online', 'offline', 'error']),
      lastSeenAt: DateTime.nullable(),
      lastError: z.string().nullable(),
      lastCheckedAt: DateTime.nullable(),
      clockOffsetMs: z.number().nullable(),
      profileG: z
        .boolean()
        .nullable()
        .describe(
          'Keeps recordings it can list and replay (ONVIF Profile G: SD card or NVR), as registration found; null: not asked',
        ),
      placement: z
        .object({
          lon: z.number(),
          lat: z.number(),
          mountHeightM: z.number(),
          headingDeg: z.number(),
          hfovDeg: z.number(),
          rangeM: z.number(),
          highPosition: z.boolean(),
          zoomMax: z.number(),
          panOffsetDeg: z.number(),
          tiltOffsetDeg: z.number(),
          gridId: z.number().int().nullable(),
          gridVersionId: z.number().int().nullable(),
          gridCode: z.string().nullable(),
          validFrom: DateTime,
        })
        .nullable(),
      createdAt: DateTime,
      registeredBy: z.number().int().nullable(),
    })
    .meta({ id: 'Camera' }),
);

const VISIBILITIES = ['in_view', 'reachable_by_ptz', 'out_of_range', 'out_of_view'] as const satisfies Visibility[];

/** GET /api/cameras/visible: who sees a point, nearest first (look-at from the map). */
export const VisibleCamerasAnswer = answer<Awaited<ReturnType<CamerasService['whoSees']>>>()(
  z.array(
    z.object({
      camera: z.object({
        id: z.number().int(),
        name: z.string(),
        status: CameraAnswer.shape.status,
        ptz: z.boolean().describe('Whether it can be turned (look_at)'),
      }),
      visibility: z.enum(VISIBILITIES),
      distanceM: z.number(),
      bearingDeg: z.number(),
    }),
  ),
);

export const LockHolderAnswer = answer<LockHolder>()(
  z
    .object({ accountId: z.number().int(), username: z.string(), rank: z.number(), since: DateTime })
    .meta({ id: 'PtzLockHolder' }),
);

export const LockAnswer = answer<Awaited<ReturnType<PtzService['lock']>>>()(
  z.object({ lock: LockHolderAnswer.nullable() }),
);

export const PresetsAnswer = answer<PtzPreset[]>()(
  z.array(
    z.object({
      token: z.string(),
      name: z.string(),
      position: z.object({ x: z.number(), y: z.number(), zoom: z.number() }).nullable(),
    }),
  ),
);

/** GET /api/cameras/:id/ptz: where it points (ONVIF generic spaces) and who steers it. */
export const PtzStatusAnswer = answer<Awaited<ReturnType<PtzService['status']>>>()(
  z.object({
    position: z.object({
      x: z.number(),
      y: z.number(),
      zoom: z.number(),
      moving: z.boolean(),
      utc: DateTime.nullable().describe("The camera's UtcTime of the status, on its own clock"),
    }),
    lock: LockHolderAnswer.nullable(),
  }),
);
