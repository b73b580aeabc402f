// GeoReport v2 at /open311/v2/: its own Express router, because Open311 speaks
// form-encoded bodies, JSON and XML, and its own error shape. Routes parse and
// delegate to Open311Service; every error on these paths is answered the spec's way.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import type { IncidentRouteDeps } from '../route-deps.js';
import { readRawBody } from '../../platform/http/raw-body.js';
import { ClientKeysService } from './client-keys.service.js';
import { badRequest, notFound, Open311Error, toOpen311Error } from './errors.js';
import { formatOf, sendError, sendList, sendObject, splitFormat } from './formats.js';
import { Open311Service } from './open311.service.js';
import { parseMultipart } from './multipart.js';
import { BAD_TEXT_MESSAGE, badTextAt } from '../../platform/http/text-input.js';
import { caseNumberOf, formFields, queryFields, type Fields } from './schemas.js';
import { IdempotentRequests } from '../../platform/http/idempotency.js';

/** A report is a few fields and a description; anything much larger is not one. */
const MAX_FORM_BYTES = 128 * 1024;

export function open311Router(
  services: Pick<IncidentRouteDeps, 'db' | 'media' | 'config' | 'incidents' | 'gazetteer'>,
): Router {
  const open311 = new Open311Service(
    services.db,
    services.incidents.taxonomy,
    services.incidents.intake,
    new ClientKeysService(services.db),
    services.media,
    { townUtcOffsetHours: services.config.TOWN_UTC_OFFSET_HOURS },
    services.gazetteer,
    services.incidents.placement,
  );
  const requests = new IdempotentRequests(services.db);
  const maxPhotoBytes = Math.round(services.config.INCIDENT_MEDIA_MAX_MB * 1024 * 1024);
  const endpointUrl = (req: Request) => `${req.protocol}://${req.get('host') ?? 'localhost'}${req.baseUrl}`;
  const query = (req: Request) => textOnly(queryFields(req.query as Record<string, unknown>));

  const v2 = express.Router();
  // What GET answers is public: a citizen's web map may read it from any origin.
  v2.use((req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') res.set('access-control-allow-origin', '*');
    next();
  });
  v2.get('/:file', async (req, res) => {
    const { name, format } = splitFormat(req.params['file']!);
    switch (name) {
      case 'discovery': {
        const d = open311.discovery(endpointUrl(req));
        const xml = {
          ...d,
          endpoints: { endpoint: d.endpoints.map((e) => ({ ...e, formats: { format: e.formats } })) },
        };
        return sendObject(res, format, 'discovery', d, xml);
      }
      case 'services':
        return sendList(res, format, 'services', 'service', await open311.services(query(req)));
      case 'requests':
        return sendList(res, format, 'service_requests', 'request', await open311.list(query(req), endpointUrl(req)));
      default:
        throw notFound(`No resource "${name}": discovery, services, services/{service_code}, requests, requests/{id}`);
    }
  });
  v2.get('/services/:file', async (req, res) => {
    const { name, format } = splitFormat(req.params['file']!);
    const d = await open311.definition(name, query(req));
    const xml = {
      ...d,
      attributes: { attribute: d.attributes.map((a) => ('values' in a ? { ...a, values: { value: a.values } } : a)) },
    };
    sendObject(res, format, 'service_definition', d, xml);
  });
  v2.get('/requests/:file', async (req, res) => {
    const { name, format } = splitFormat(req.params['file']!);
    sendList(res, format, 'service_requests', 'request', await open311.get(name, query(req), endpointUrl(req)));
  });
  v2.get('/requests/:id/media/:mediaId', async (req, res) => {
    const [id, mediaId] = [req.params['id']!, req.params['mediaId']!];
    if (!/^\d{1,15}$/.test(id) || !/^\d{1,15}$/.test(mediaId)) throw notFound('No such photo');
    const photo = await open311.photo(Number(id), Number(mediaId));
    res.type(photo.contentType).set('cache-control', 'public, max-age=86400').send(photo.body);
  });
  v2.post('/:file', async (req, res) => {
    const { name, format } = splitFormat(req.params['file']!);
    if (name !== 'requests') throw notFound(`Only requests.${format} takes a POST`);
    const { fields, photo } = await readForm(req, maxPhotoBytes);
    textOnly(fields);
    const client = await open311.client(fields);
    // A retry (same case number, or same Idempotency-Key) gets the first answer, in the format it asks for.
    const caseNumber = caseNumberOf(fields);
    const answer = await requests.once(req, res, `open311:${client.id}`, () => open311.submit(client, fields, photo), {
      route: 'POST /open311/v2/requests',
      ...(caseNumber === undefined ? {} : { key: `case:${caseNumber}`, field: 'external_id' }),
    });
    sendList(res, format, 'service_requests', 'request', answer);
  });
  v2.use((req) => {
    throw notFound(`No resource ${req.method} ${req.baseUrl}${req.path}`);
  });

  const router = express.Router();
  router.use('/open311/v2', v2, answerError);
  router.use(
    '/open311',
    (req: Request) => {
      throw notFound(`Only GeoReport v2 is served, at /open311/v2/ (not ${req.originalUrl.split('?')[0]})`);
    },
    answerError,
  );
  return router;
}

/**
 * The POST body as form fields; the query string's fields (api_key, say) come first, the
 * body's win. multipart/form-data may carry the citizen's photo as the part `media`.
 */
async function readForm(req: Request, maxPhotoBytes: number): Promise<{ fields: Fields; photo: Buffer | null }> {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  const fields = queryFields(req.query as Record<string, unknown>);
  if (type.startsWith('multipart/form-data')) {
    const parts = parseMultipart(await readRawBody(req, MAX_FORM_BYTES + maxPhotoBytes), req.headers['content-type']!);
    const photos = parts.filter((p) => p.name === 'media' && p.filename !== null);
    if (photos.length > 1) throw badRequest('One photo per service request (the part "media")');
    const text = new Map<string, string[]>();
    for (const p of parts.filter((q) => q.filename === null))
      text.set(p.name, [...(text.get(p.name) ?? []), p.data.toString('utf8')]);
    for (const [name, values] of text) fields.set(name, values);
    return { fields, photo: photos[0]?.data ?? null };
  }
  const body = await readRawBody(req, MAX_FORM_BYTES);
  if (body.length > 0 && !type.startsWith('application/x-www-form-urlencoded')) {
    throw badRequest(
      `Send the service request form-encoded (Content-Type: application/x-www-form-urlencoded, or multipart/form-data with a photo), not "${type || 'nothing'}"`,
    );
  }
  const charset = /charset=([^;\s]+)/.exec(type)?.[1]?.replace(/"/g, '');
  if (charset && !['utf-8', 'utf8'].includes(charset)) throw badRequest(`Send UTF-8, not ${charset}`);
  for (const [name, values] of formFields(body.toString('utf8'))) fields.set(name, values);
  return { fields, photo: null };
}

function answerError(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  const log = (res.locals['log'] as Logger | undefined) ?? (req.app.locals['log'] as Logger);
  if (res.headersSent) {
    log.warn({ err }, 'error after the Open311 answer started');
    res.destroy();
    return;
  }
  const known = toOpen311Error(err);
  if (!known) log.error({ err }, 'unhandled error in Open311');
  sendError(
    res,
    formatOf(req.path),
    known ?? new Open311Error(500, 'Something went wrong on our side; it has been logged'),
  );
}

/** Fields PostgreSQL can store: a NUL or half a surrogate pair is a 400 naming the field. */
function textOnly(fields: Fields): Fields {
  for (const [name, values] of fields) {
    const bad = badTextAt([name, ...values], name);
    if (bad) throw badRequest(`${name.replace(/[^\w[\]-]/g, '?')} ${BAD_TEXT_MESSAGE}`);
  }
  return fields;
}
