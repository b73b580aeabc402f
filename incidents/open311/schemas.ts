// What Open311 clients send: a form-encoded POST and the filters of GET requests, read
// into typed values or refused with a 400 that names the field.
import { z } from 'zod';
import { badRequest } from './errors.js';

/** A form or a query string: every name with all its values, in order. */
export type Fields = Map<string, string[]>;

export function formFields(body: string): Fields {
  const fields: Fields = new Map();
  for (const [name, value] of new URLSearchParams(body)) fields.set(name, [...(fields.get(name) ?? []), value]);
  return fields;
}

/** Express's simple query parser gives a string or a list of strings per name. */
export function queryFields(query: Record<string, unknown>): Fields {
  const fields: Fields = new Map();
  for (const [name, value] of Object.entries(query)) {
    const values = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
    fields.set(name, values);
  }
  return fields;
}

const first = (fields: Fields, name: string): string | undefined => {
  const v = fields.get(name)?.[0]?.trim();
  return v === undefined || v === '' ? undefined : v;
};

/** Comma lists may also come as repeated names (status=open&status=closed). */
const list = (fields: Fields, name: string): string[] | undefined => {
  const parts = (fields.get(name) ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  return parts.length ? parts : undefined;
};

const text = (max: number) => z.string().max(max, `at most ${max} characters`).optional();
const coordinate = (name: string, limit: number) =>
  z
    .string()
    .regex(/^[+-]?\d{1,3}(\.\d+)?$/, `${name} is a decimal number of degrees (WGS-84)`)
    .transform(Number)
    .refine((n) => Math.abs(n) <= limit, `${name} must be between -${limit} and ${limit}`)
    .optional();

const Submission = z.object({
  service_code: z.string().max(100).optional(),
  lat: coordinate('lat', 90),
  long: coordinate('long', 180),
  address_string: text(200),
  address_id: text(100),
  email: z.email('email is not an e-mail address').max(200).optional(),
  device_id: text(100),
  account_id: text(100),
  first_name: text(100),
  last_name: text(100),
  phone: z
    .string()
    .regex(/^[+\d][\d\s()-]{2,30}$/, 'phone is not a telephone number')
    .optional(),
  description: text(4000),
  media_url: z
    .url({ protocol: /^https?$/, error: 'media_url must be an http(s) URL' })
    .max(2000)
    .optional(),
  /** Not in GeoReport v2: the request's number in the sender's own system (the 12345 hotline's 工单编号). */
  external_id: text(100),
});
export type Submission = z.output<typeof Submission> & { attributes: Map<string, string[]> };

const ATTRIBUTE = /^attribute\[([^\]]{1,100})\](\[\])?$/;

function refuse(error: z.ZodError): never {
  const issue = error.issues[0]!;
  const field = issue.path.join('.');
  throw badRequest(issue.message.includes(field) || !field ? issue.message : `${field}: ${issue.message}`);
}

/** The fields of POST requests (api_key and jurisdiction_id are read before this). */
export function parseSubmission(fields: Fields): Submission {
  const plain = Object.fromEntries(Object.keys(Submission.shape).map((name) => [name, first(fields, name)]));
  const parsed = Submission.safeParse(plain);
  if (!parsed.success) refuse(parsed.error);
  const attributes = new Map<string, string[]>();
  for (const [name, values] of fields) {
    const m = ATTRIBUTE.exec(name);
    if (m) attributes.set(m[1]!, [...(attributes.get(m[1]!) ?? []), ...values.map((v) => v.trim()).filter(Boolean)]);
  }
  return { ...parsed.data, attributes };
}

export interface RequestFilter {
  ids?: number[];
  serviceCodes?: string[];
  start?: Date;
  end?: Date;
  statuses?: ('open' | 'closed')[];
}

/**
 * A datetime as the spec writes them (W3C ISO 8601 with a zone); one without a zone is
 * read in the town's own time, which is what a clerk of the 12345 hotline means.
 */
export function parseDatetime(name: string, value: string, offsetHours: number): Date {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?(Z|[+-]\d{2}:?\d{2})?$/i.exec(value);
  const zone = (h: number) =>
    `${h < 0 ? '-' : '+'}${String(Math.trunc(Math.abs(h))).padStart(2, '0')}:${String(Math.round((Math.abs(h) % 1) * 60)).padStart(2, '0')}`;
  const date = m ? new Date(`${m[1]}T${m[2] ?? '00:00:00'}${m[3] ?? zone(offsetHours)}`) : null;
  if (!date || Number.isNaN(date.getTime()))
    throw badRequest(`${name} "${value}" is not a W3C datetime such as 2026-11-22T08:00:00+08:00`);
  return date;
}

export function parseRequestFilter(fields: Fields, offsetHours: number): RequestFilter {
  const ids = list(fields, 'service_request_id');
  const badId = ids?.find((id) => !/^\d{1,15}$/.test(id));
  if (badId !== undefined) throw badRequest(`service_request_id "${badId}" is not a service request id (a number)`);
  const statuses = list(fields, 'status')?.map((s) => s.toLowerCase());
  const badStatus = statuses?.find((s) => s !== 'open' && s !== 'closed');
  if (badStatus !== undefined) throw badRequest(`status "${badStatus}" is neither open nor closed`);
  const start = first(fields, 'start_date');
  const end = first(fields, 'end_date');
  const filter: RequestFilter = {
    ids: ids?.map(Number),
    serviceCodes: list(fields, 'service_code'),
    start: start === undefined ? undefined : parseDatetime('start_date', start, offsetHours),
    end: end === undefined ? undefined : parseDatetime('end_date', end, offsetHours),
    statuses: statuses as RequestFilter['statuses'],
  };
  if (filter.start && filter.end && filter.start > filter.end) throw badRequest('start_date comes after end_date');
  return filter;
}

export function firstField(fields: Fields, name: string): string | undefined {
  return first(fields, name);
}

/**
 * The sender's own case number (`external_id`), its natural key: a call sent again with
 * the same one is the same call. Checked before anything is filed.
 */
export function caseNumberOf(fields: Fields): string | undefined {
  const parsed = Submission.pick({ external_id: true }).safeParse({ external_id: first(fields, 'external_id') });
  if (!parsed.success) refuse(parsed.error);
  return parsed.data.external_id;
}
