// HTTP of recording and playback: parse, delegate, shape. Video rights are the command
// room's (operator, dispatcher; admins always); the camera's town is checked by the services.
import { createReadStream } from 'node:fs';
import { z } from 'zod';
import { route, type AnyRoute } from '../platform/http/route.js';
import { COMMAND_ROOM } from '../platform/auth/roles.js';
import type { PolicyService } from './policy.service.js';
import type { PlaybackService } from './playback.service.js';
import type { ExportService } from './export.service.js';
import type { EvidenceQueries } from './evidence-queries.js';
import { RECORDING_MODES } from './recordings.repository.js';

const ADMINS = ['admin'] as const;
const Id = z.coerce.number().int().positive();
const IdParams = z.strictObject({ id: Id });
const Instant = z.coerce.date({ error: 'an ISO 8601 instant, e.g. 2026-12-05T06:00:00Z' });
const Range = z.strictObject({ from: Instant, to: Instant });
const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'HH:MM');
const Policy = z.strictObject({
  mode: z.enum(RECORDING_MODES),
  stream: z.enum(['main', 'sub']).default('sub'),
  preRollS: z.number().int().min(0).max(300).default(10),
  postRollS: z.number().int().min(0).max(3600).default(30),
  schedule: z
    .array(z.strictObject({ day: z.number().int().min(0).max(6), from: HHMM, to: HHMM }))
    .max(50)
    .default([]),
  retentionDays: z.number().int().min(1).max(3650).default(30),
});

const stream = (res: import('express').Response, file: string) =>
  new Promise<void>((resolve, reject) => {
    createReadStream(file).on('error', reject).pipe(res).on('finish', resolve).on('error', reject);
  });

export function recordingRoutes(
  policies: PolicyService,
  playback: PlaybackService,
  exports: ExportService,
  evidence: EvidenceQueries,
): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/api/cameras/:id/recording-policy',
      summary: "A camera's recording policy (off, continuous, on alarm, schedule) and its recorder's state",
      tag: 'recordings',
      access: COMMAND_ROOM,
      params: IdParams,
      handler: ({ auth, params }) => policies.get(auth, params.id),
    }),
    route({
      method: 'put',
      path: '/api/cameras/:id/recording-policy',
      summary: 'Set what a camera records, which stream, and for how many days',
      tag: 'recordings',
      access: ADMINS,
      params: IdParams,
      body: Policy,
      handler: ({ auth, params, body }) => policies.put(auth, params.id, body),
    }),
    route({
      method: 'get',
      path: '/api/cameras/:id/recordings/timeline',
      summary: 'Recorded spans, gaps, alarms and incidents of a camera between two instants (at most 7 days)',
      tag: 'recordings',
      access: COMMAND_ROOM,
      params: IdParams,
      query: Range,
      handler: ({ auth, params, query }) => playback.timeline(auth, params.id, query.from, query.to),
    }),
    route({
      method: 'get',
      path: '/api/cameras/:id/recordings/days',
      summary: 'Days of a month (town time) on which the camera has footage',
      tag: 'recordings',
      access: COMMAND_ROOM,
      params: IdParams,
      query: z.strictObject({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM') }),
      handler: ({ auth, params, query }) => playback.days(auth, params.id, query.month),
    }),
    route({
      method: 'get',
      path: '/api/cameras/:id/recordings/playlist.m3u8',
      summary: 'HLS VOD playlist of the footage from an instant (404 no_footage when there is none)',
      tag: 'recordings',
      access: COMMAND_ROOM,
      params: IdParams,
      query: z.strictObject({ from: Instant, to: Instant.optional() }),
      responses: { 200: { description: 'HLS playlist', contentType: 'application/vnd.apple.mpegurl' } },
      handler: async ({ auth, params, query, res }) => {
        const to = query.to ?? new Date(query.from.getTime() + 3_600_000);
        const text = await playback.playlist(auth, params.id, query.from, to);
        res.status(200).type('application/vnd.apple.mpegurl').setHeader('Cache-Control', 'no-store').send(text);
      },
    }),
    route({
      method: 'get',
      path: '/api/cameras/:id/recordings/segments/:file',
      summary: 'One recorded MPEG-TS segment of a playlist',
      tag: 'recordings',
      access: COMMAND_ROOM,
      params: z.strictObject({ id: Id, file: z.string().regex(/^\d{1,15}\.ts$/, 'a segment name such as 123.ts') }),
      responses: { 200: { description: 'MPEG-TS', contentType: 'video/mp2t' } },
      handler: async ({ auth, params, res }) => {
        const file = await playback.segmentFile(auth, params.id, Number(params.file.slice(0, -3)));
        res.status(200).type('video/mp2t').setHeader('Cache-Control', 'private, max-age=86400');
        await stream(res, file);
      },
    }),
    route({
      method: 'post',
      path: '/api/cameras/:id/recordings/exports',
      summary: 'Export a clip as MP4 (stream copy) with its SHA-256; logged who, what, when',
      tag: 'recordings',
      access: COMMAND_ROOM,
      status: 201,
      params: IdParams,
      body: Range,
      handler: ({ auth, params, body }) => exports.export(auth, params.id, body.from, body.to),
    }),
    route({
      method: 'get',
      path: '/api/recordings/alerts',
      summary: "The recorders' alerts, open ones first: a full disk (ENOSPC), a jump of the host's clock",
      tag: 'recordings',
      access: COMMAND_ROOM,
      handler: () => policies.alerts(),
    }),
    route({
      method: 'get',
      path: '/api/recordings/exports',
      summary: 'The export log (append-only): who exported which footage, when, its SHA-256',
      tag: 'recordings',
      access: COMMAND_ROOM,
      handler: ({ auth }) => exports.list(auth),
    }),
    route({
      method: 'get',
      path: '/api/recordings/exports/:id/file',
      summary: 'Download an exported MP4',
      tag: 'recordings',
      access: COMMAND_ROOM,
      params: IdParams,
      responses: { 200: { description: 'MP4', contentType: 'video/mp4' } },
      handler: async ({ auth, params, res }) => {
        const found = await exports.file(auth, params.id);
        res
          .status(200)
          .type('video/mp4')
          .setHeader('Content-Disposition', `attachment; filename="export-${found.row.id}.mp4"`)
          .setHeader('X-Content-SHA256', found.row.sha256);
        await stream(res, found.path);
      },
    }),
    route({
      method: 'get',
      path: '/api/incidents/:id/evidence',
      summary: "An incident's evidence: footage of the cameras that see its point, held from retention",
      tag: 'recordings',
      access: COMMAND_ROOM,
      params: IdParams,
      handler: ({ auth, params }) => evidence.ofIncident(auth, params.id),
    }),
  ];
}
