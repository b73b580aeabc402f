// Request bodies are read only after the caller is known (the route's guards ran), with a
// limit per route: small by default, large only where uploads need it (GeoJSON imports,
// bulk people). Geometries are capped in vertices before the schemas walk them: a
// 10 MB polygon is a cost to validate and to store, whoever sent it.
import express, { type RequestHandler } from 'express';
import { AppError } from '../errors.js';

export interface BodyLimits {
  /** Most routes: "100kb". */
  small: string;
  /** Routes declared `bodyLimit: 'large'` (BODY_LIMIT). */
  large: string;
  /** Most positions in one geometry's coordinates. */
  maxVertices: number;
}

export const DEFAULT_BODY_LIMITS: BodyLimits = { small: '100kb', large: '10mb', maxVertices: 20_000 };

const JSON_TYPES = ['application/json', 'application/geo+json', 'application/*+json'];
const parsers = new Map<string, RequestHandler>();

/** The JSON parser for one limit ("100kb", "512kb", "10mb"), made once. */
export function jsonParser(limit: string): RequestHandler {
  let parser = parsers.get(limit);
  if (!parser) {
    parser = express.json({ limit, type: JSON_TYPES });
    parsers.set(limit, parser);
  }
  return parser;
}

/** Positions under a GeoJSON `coordinates` value (nested arrays ending in number pairs). */
function positions(value: unknown): number {
  if (!Array.isArray(value)) return 0;
  if (value.length > 0 && typeof value[0] === 'number') return 1;
  let n = 0;
  for (const v of value) n += positions(v);
  return n;
}

/** 413 when any geometry in the body has more than `max` positions; names where. */
export function assertVertexLimit(body: unknown, max: number): void {
  const walk = (value: unknown, path: string, depth: number): void => {
    if (depth > 12 || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${path}[${i}]`, depth + 1));
      return;
    }
    for (const [k, v] of Object.entries(value)) {
      if (k === 'coordinates') {
        const n = positions(v);
        if (n > max) {
          throw new AppError(
            413,
            'too_many_vertices',
            `A geometry has ${n} positions; at most ${max} are accepted (simplify it first)`,
            { path: `${path}.coordinates`.replace(/^\./, ''), vertices: n, limit: max },
          );
        }
      } else walk(v, `${path}.${k}`, depth + 1);
    }
  };
  walk(body, 'body', 0);
}
