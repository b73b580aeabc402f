import { z } from 'zod';
import { CrsSchema } from '../gis/module.js';
import { INCIDENT_SOURCES, INCIDENT_STATES, PLATFORMS } from './model.js';

export const Lon = z.number().min(-180).max(180);
export const Lat = z.number().min(-90).max(90);
export const SubcategoryCode = z
  .string()
  .regex(/^[a-z_]{2,40}\.[a-z_]{2,40}$/, 'a subcategory code such as "fire.outbreak"');
export const Description = z.string().trim().min(1, 'say what is happening').max(4000);

export const NewIncidentBody = z.strictObject({
  subcategory: SubcategoryCode,
  description: Description,
  lon: Lon,
  lat: Lat,
  crs: CrsSchema,
  address: z.string().trim().max(200).optional(),
  /** The camera whose picture showed it. */
  cameraId: z.number().int().positive().optional(),
  settledOnSpot: z.boolean().default(false),
});

export const ActionBody = z.strictObject({
  action: z.enum(['start', 'handle', 'verify', 'close', 'return', 'escalate', 'merge']),
  note: z.string().trim().max(2000).optional(),
  rating: z.number().int().min(1).max(5).optional(),
  mergeInto: z.number().int().positive().optional(),
  lon: Lon.optional(),
  lat: Lat.optional(),
});

const csv = <T extends readonly [string, ...string[]]>(values: T) =>
  z.string().transform((s, ctx) => {
    const parts = s
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    const bad = parts.filter((p) => !values.includes(p));
    if (bad.length)
      ctx.addIssue({ code: 'custom', message: `unknown: ${bad.join(', ')}; known: ${values.join(', ')}` });
    return parts as T[number][];
  });

export const ListQuery = z.strictObject({
  town: z.string().optional(),
  state: csv(INCIDENT_STATES).optional(),
  open: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  grid: z.string().optional(),
  platform: z.enum(PLATFORMS).optional(),
  source: z.enum(INCIDENT_SOURCES).optional(),
  since: z.coerce.date().optional(),
  until: z.coerce.date().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  offset: z.coerce.number().int().min(0).default(0),
});

export const SubcategoryPatch = z.strictObject({
  name: z.string().trim().min(1).max(60).optional(),
  nameEn: z.string().trim().min(1).max(100).optional(),
  platform: z.enum(PLATFORMS).optional(),
  severity: z.number().int().min(1).max(4).optional(),
  acceptMinutes: z.number().positive().max(525_600).optional(),
  finishMinutes: z.number().positive().max(525_600).optional(),
  mergeRadiusM: z.number().int().min(0).max(10_000).optional(),
  mergeWindowMin: z.number().int().min(0).max(525_600).optional(),
  active: z.boolean().optional(),
  cameraAlertKinds: z.array(z.enum(['motion', 'line_crossing', 'intrusion', 'tamper', 'other'])).optional(),
});

export const IncidentParams = z.strictObject({ id: z.coerce.number().int().positive() });
export const MediaParams = z.strictObject({
  id: z.coerce.number().int().positive(),
  mediaId: z.coerce.number().int().positive(),
});
export const OfferParams = z.strictObject({ id: z.coerce.number().int().positive() });

// A phone reports where it stands; a camera is the command room's.
export const PhoneReportBody = NewIncidentBody.omit({ cameraId: true });

export const PhoneActionBody = z.strictObject({
  action: z.enum(['start', 'handle', 'verify', 'escalate']),
  note: z.string().trim().max(2000).optional(),
  rating: z.number().int().min(1).max(5).optional(),
  lon: Lon.optional(),
  lat: Lat.optional(),
});

export const AnswerBody = z.strictObject({ note: z.string().trim().max(500).optional() }).optional();
