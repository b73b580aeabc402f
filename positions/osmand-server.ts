// The OsmAnd listener on its own port, plain node:http for speed: GET with query
// parameters, the same as a form POST, or the Traccar Client JSON POST. Answers as
// the protocol expects: 200 for every readable fix of a known device (stored, flagged
// or counted: Traccar Client resends a refused fix forever, so a refusal would stop the
// phone); 400 (query) / 404 (JSON) for an unknown device; 400 for a request that cannot
// be read; 429 for a flooding device; 503 when full (both transient: the phone resends).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError } from '../platform/errors.js';
import { moduleLogger } from '../platform/logger.js';
import { asUnavailable } from '../platform/dependency-errors.js';
import { FixRejected, type RawFix } from './fix.js';
import type { IngestService } from './ingest.service.js';
import { BAD_TEXT_MESSAGE, badTextAt } from '../platform/http/text-input.js';
import { osmandDeviceRef, parseOsmandQuery, parseTraccarJson, traccarJsonDeviceRef } from './osmand.js';

const log = moduleLogger('osmand');
const MAX_BODY = 64 * 1024;

function answer(
  res: http.ServerResponse,
  status: number,
  code?: string,
  message?: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  const body = code ? JSON.stringify({ error: { code, message } }) : '';
  res.writeHead(status, {
    'content-type': code ? 'application/json' : 'text/plain',
    'content-length': Buffer.byteLength(body),
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(body);
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Refused on its declared length before a byte is read: the phone gets its 413.
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) {
      reject(new AppError(413, 'payload_too_large', `a position request is at most ${MAX_BODY} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new AppError(413, 'payload_too_large', `a position request is at most ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function handle(ingest: IngestService, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  // The query string alone; new URL() costs more than it gives on this hot path.
  const rawUrl = req.url ?? '/';
  const mark = rawUrl.indexOf('?');
  const search = mark >= 0 ? rawUrl.slice(mark + 1) : '';
  if (req.method !== 'GET' && req.method !== 'POST')
    return answer(res, 405, 'method_not_allowed', 'use GET or POST', { allow: 'GET, POST' });
  const now = new Date();
  let json = false;
  let parse: () => RawFix;
  let ref: string | null;
  if (req.method === 'POST') {
    const body = await readBody(req);
    const type = req.headers['content-type'] ?? '';
    if (type.includes('json')) {
      json = true;
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        throw ingest.refuse('', new FixRejected('malformed', 'the body is not JSON'));
      }
      textOnly(ingest, parsed, 'body');
      ref = traccarJsonDeviceRef(parsed);
      parse = () => parseTraccarJson(parsed, now);
    } else {
      // A form POST carries the same parameters as the query string; both are read.
      const params = new URLSearchParams(search);
      for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.set(k, v);
      textOnly(ingest, [...params], 'form');
      ref = osmandDeviceRef(params);
      parse = () => parseOsmandQuery(params, now);
    }
  } else {
    const params = new URLSearchParams(search);
    textOnly(ingest, [...params], 'query');
    ref = osmandDeviceRef(params);
    parse = () => parseOsmandQuery(params, now);
  }
  if (!ref) {
    throw ingest.refuse(
      '',
      new FixRejected('unknown_device', json ? 'device_id is missing' : 'the id (or deviceid) parameter is missing'),
    );
  }
  let device;
  try {
    device = await ingest.deviceByRef(ref);
  } catch (err) {
    // The protocol: unknown device is 400 for the query form, 404 for the JSON form.
    if (err instanceof FixRejected && err.reason === 'unknown_device' && json)
      return answer(res, 404, err.reason, err.detail);
    throw err;
  }
  let raw: RawFix;
  try {
    raw = parse();
  } catch (err) {
    if (err instanceof FixRejected) throw ingest.refuse(ref, err);
    throw err;
  }
  await ingest.ingestOne(device, raw);
  answer(res, 200);
}

/** A NUL or half a surrogate pair cannot be stored (nor be a device's name): refused, counted without a device. */
function textOnly(ingest: IngestService, input: unknown, where: string): void {
  const bad = badTextAt(input, where);
  if (bad) throw ingest.refuse('', new FixRejected('malformed', `the ${where} ${BAD_TEXT_MESSAGE}`));
}

export interface RunningOsmand {
  port: number;
  /** Starts storing positions; until then (and after stopping()) every request is a 503. */
  serve(ingest: IngestService): void;
  /** Shutting down: answer 503 + Retry-After instead of taking new positions. */
  stopping(): void;
  close(): Promise<void>;
}

/**
 * Binds at once, so a phone is never left unanswered while the api starts: until
 * serve() it answers 503 with Retry-After (a phone sends the fix again).
 */
export async function startOsmandServer(
  initial: IngestService | null,
  port: number,
  observe?: (status: number) => void,
): Promise<RunningOsmand> {
  let ingest = initial;
  const server = http.createServer((req, res) => {
    if (observe) res.on('finish', () => observe(res.statusCode));
    if (!ingest) {
      answer(res, 503, 'starting', 'the server is starting or stopping; send the position again shortly', {
        'retry-after': '1',
      });
      return;
    }
    handle(ingest, req, res).catch((err: unknown) => {
      if (err instanceof FixRejected) {
        if (err.reason === 'rate_limited') return answer(res, 429, err.reason, err.detail, { 'retry-after': '1' });
        return answer(res, 400, err.reason, err.detail);
      }
      const gone = err instanceof AppError ? null : asUnavailable(err);
      if (gone) {
        log.warn(
          { err: { message: (err as Error).message, code: (err as { code?: unknown }).code } },
          'dependency unavailable',
        );
        return answer(res, 503, gone.code, gone.message, { 'retry-after': String(gone.retryAfterSeconds) });
      }
      if (err instanceof AppError) {
        const headers: Record<string, string> = err.status === 503 ? { 'retry-after': '1' } : {};
        if (err.status === 503) ingest?.refuse('', new FixRejected('overloaded', err.message));
        return answer(res, err.status, err.code, err.message, headers);
      }
      log.error({ err }, 'OsmAnd request failed');
      answer(res, 500, 'internal', 'the position could not be stored; send it again');
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    serve: (i) => {
      ingest = i;
    },
    stopping: () => {
      ingest = null;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
