// Minimal typed access to parsed SOAP requests. Namespace prefixes are dropped
// (clients use any prefix they like: s:, SOAP-ENV:, none), attributes keep an
// "@" prefix and text with attributes sits under "#text".
import { XMLParser } from 'fast-xml-parser';

export type XmlValue = string | XmlObject | XmlValue[];
export interface XmlObject {
  [key: string]: XmlValue;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false, // tokens like "1" must stay strings
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
});

export class XmlParseError extends Error {}

export function parseXml(text: string): XmlObject {
  try {
    const parsed: unknown = parser.parse(text, true);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new XmlParseError('not an XML document');
    }
    return parsed as XmlObject;
  } catch (err) {
    if (err instanceof XmlParseError) throw err;
    throw new XmlParseError(err instanceof Error ? err.message : String(err));
  }
}

function isObject(value: XmlValue | undefined): value is XmlObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** First child element with this local name; repeated elements yield the first. */
export function child(node: XmlValue | undefined, name: string): XmlValue | undefined {
  if (!isObject(node)) return undefined;
  const value = node[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Every child element with this local name. */
export function children(node: XmlValue | undefined, name: string): XmlValue[] {
  if (!isObject(node)) return [];
  const value = node[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Text content of an element (with or without attributes). */
export function text(node: XmlValue | undefined): string | undefined {
  if (typeof node === 'string') return node;
  if (isObject(node)) {
    const t = node['#text'];
    return typeof t === 'string' ? t : t === undefined ? '' : undefined;
  }
  return undefined;
}

/** Text of a descendant reached through local names, e.g. path(body, 'StreamSetup', 'Stream'). */
export function path(node: XmlValue | undefined, ...names: string[]): string | undefined {
  let current = node;
  for (const name of names) current = child(current, name);
  return text(current);
}

export function attr(node: XmlValue | undefined, name: string): string | undefined {
  if (!isObject(node)) return undefined;
  const value = node[`@${name}`];
  return typeof value === 'string' ? value : undefined;
}

/** Element names of an object, attributes and text excluded, in document order. */
export function elementNames(node: XmlValue | undefined): string[] {
  if (!isObject(node)) return [];
  return Object.keys(node).filter((k) => !k.startsWith('@') && k !== '#text');
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escape text for element content and attribute values. */
export function esc(value: string | number | boolean): string {
  return String(value).replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c);
}
