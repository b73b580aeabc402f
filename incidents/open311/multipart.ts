// multipart/form-data, for a service request that carries the citizen's photo (the
// `media` part, as Open311 implementations take it beside media_url). Small and strict:
// the whole body is in memory already, bounded by the caller.
import { badRequest } from './errors.js';

export interface FormPart {
  name: string;
  filename: string | null;
  contentType: string | null;
  data: Buffer;
}

const MAX_PARTS = 100;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

export function boundaryOf(contentType: string): string {
  const m = /boundary=(?:"([^"]{1,70})"|([^;\s]{1,70}))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) throw badRequest('A multipart/form-data body needs a boundary in its Content-Type');
  return boundary;
}

export function parseMultipart(body: Buffer, contentType: string): FormPart[] {
  const delimiter = Buffer.from(`--${boundaryOf(contentType)}`);
  let at = body.indexOf(delimiter);
  if (at < 0) throw badRequest('The multipart body has no part: its boundary never appears');
  const parts: FormPart[] = [];
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString('latin1') === '--') return parts;
    if (!body.subarray(at, at + 2).equals(CRLF))
      throw badRequest(`multipart: a line break must follow the boundary (byte ${at})`);
    const headersEnd = body.indexOf(HEADER_END, at + 2);
    if (headersEnd < 0) throw badRequest('multipart: a part has no end of its headers');
    const headers = body.toString('utf8', at + 2, headersEnd).split('\r\n');
    const next = body.indexOf(Buffer.concat([CRLF, delimiter]), headersEnd + 4);
    if (next < 0) throw badRequest('multipart: the body ends inside a part (no closing boundary)');
    parts.push(part(headers, body.subarray(headersEnd + 4, next)));
    if (parts.length > MAX_PARTS) throw badRequest(`multipart: more than ${MAX_PARTS} parts`);
    at = next + 2;
  }
}

function part(headers: string[], data: Buffer): FormPart {
  let disposition: string | undefined;
  let contentType: string | null = null;
  for (const line of headers) {
    const colon = line.indexOf(':');
    if (colon < 0) throw badRequest(`multipart: a part header is not "Name: value": "${line.slice(0, 60)}"`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-disposition') disposition = value;
    else if (name === 'content-type') contentType = value;
  }
  if (!disposition || !/^form-data\b/i.test(disposition))
    throw badRequest('multipart: every part needs "Content-Disposition: form-data; name=…"');
  const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
  if (!name) throw badRequest('multipart: a part has no name');
  const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1] ?? null;
  return { name, filename, contentType, data };
}
