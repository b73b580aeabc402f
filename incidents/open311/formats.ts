// The two formats of GeoReport v2: JSON, and XML with the spec's element names (a list
// is a root element holding one element per item). UTF-8 everywhere.
import type { Response } from 'express';
import { XMLBuilder } from 'fast-xml-parser';
import { notFound, type Open311Error } from './errors.js';

export const FORMATS = ['json', 'xml'] as const;
export type Format = (typeof FORMATS)[number];

export const CONTENT_TYPES: Record<Format, string> = {
  json: 'application/json; charset=utf-8',
  xml: 'text/xml; charset=utf-8',
};

/** "fire.outbreak.json" → { name: "fire.outbreak", format: "json" }; codes may hold dots, so split at the last. */
export function splitFormat(file: string): { name: string; format: Format } {
  const dot = file.lastIndexOf('.');
  const format = dot > 0 ? file.slice(dot + 1).toLowerCase() : '';
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw notFound(
      `Unknown format "${dot > 0 ? file.slice(dot + 1) : ''}" in "${file}": end the resource with .json or .xml`,
    );
  }
  return { name: file.slice(0, dot), format: format as Format };
}

/** The format a failed request asked for, when it can be told; JSON otherwise. */
export function formatOf(path: string): Format {
  return /\.xml$/i.test(path) ? 'xml' : 'json';
}

const builder = new XMLBuilder({ ignoreAttributes: false, format: true, suppressEmptyNode: false });

/** XML for a value: a plain object becomes elements; nested lists are wrapped by the caller's shape. */
export function toXml(root: string, content: unknown): string {
  return builder.build({ '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' }, [root]: xmlSafe(content) });
}

// Characters XML 1.0 cannot carry at all, even escaped; a citizen's text may hold them.
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g; // eslint-disable-line no-control-regex -- these are the ones to drop

function xmlSafe(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(NOT_XML, '');
  if (Array.isArray(value)) return value.map(xmlSafe);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, xmlSafe(v)]));
  return value;
}

/** A list answer: JSON array, or <root><item>…</item>…</root>. */
export function sendList(
  res: Response,
  format: Format,
  root: string,
  item: string,
  items: object[],
  status = 200,
): void {
  res.status(status).type(CONTENT_TYPES[format]);
  res.send(format === 'json' ? JSON.stringify(items) : toXml(root, { [item]: items.map(forXml) }));
}

/** A single object answer (discovery, a service definition) with the XML shape given separately. */
export function sendObject(res: Response, format: Format, root: string, json: object, xml: object): void {
  res.status(200).type(CONTENT_TYPES[format]);
  res.send(format === 'json' ? JSON.stringify(json) : toXml(root, forXml(xml)));
}

export function sendError(res: Response, format: Format, error: Open311Error): void {
  sendList(res, format, 'errors', 'error', [{ code: error.status, description: error.description }], error.status);
}

/** null becomes an empty element (<media_url/>), as in the spec's examples; undefined is left out. */
function forXml(o: object): object {
  return Object.fromEntries(
    Object.entries(o)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, v === null ? '' : v]),
  );
}
