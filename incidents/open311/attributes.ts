// A service request's attribute[code] values checked against the service definition:
// no unknown codes, every required one present, list values among the keys, numbers
// that are numbers. Pure, so the rules are read in one place.
import type { Open311Attribute } from '../taxonomy.repository.js';
import { badRequest } from './errors.js';

const MAX_TEXT = 2000;

export function validateAttributes(
  serviceCode: string,
  definition: Open311Attribute[],
  given: Map<string, string[]>,
): Record<string, string> {
  const byCode = new Map(definition.map((a) => [a.code, a]));
  for (const code of given.keys()) {
    if (!byCode.has(code)) {
      const known = definition.map((a) => a.code).join(', ') || 'none';
      throw badRequest(`attribute[${code}] is not an attribute of service ${serviceCode} (its attributes: ${known})`);
    }
  }
  const values: Record<string, string> = {};
  for (const attr of [...definition].sort((a, b) => a.order - b.order)) {
    const vs = given.get(attr.code) ?? [];
    if (vs.length === 0) {
      if (attr.required)
        throw badRequest(`attribute[${attr.code}] is required for service ${serviceCode}: ${attr.description}`);
      continue;
    }
    values[attr.code] = checked(attr, vs);
  }
  return values;
}

function checked(attr: Open311Attribute, vs: string[]): string {
  const name = `attribute[${attr.code}]`;
  const keys = (attr.values ?? []).map((v) => v.key);
  switch (attr.datatype) {
    case 'number': {
      if (vs.length > 1) throw badRequest(`${name} takes one number`);
      if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(vs[0]!)) throw badRequest(`${name} must be a number, not "${vs[0]}"`);
      return String(Number(vs[0]));
    }
    case 'datetime': {
      if (vs.length > 1 || Number.isNaN(Date.parse(vs[0]!)))
        throw badRequest(`${name} must be one W3C datetime, not "${vs.join(',')}"`);
      return vs[0]!;
    }
    case 'singlevaluelist': {
      if (vs.length > 1) throw badRequest(`${name} takes one of: ${keys.join(', ')}`);
      if (!keys.includes(vs[0]!)) throw badRequest(`${name} "${vs[0]}" is not one of: ${keys.join(', ')}`);
      return vs[0]!;
    }
    case 'multivaluelist': {
      const bad = vs.find((v) => !keys.includes(v));
      if (bad !== undefined) throw badRequest(`${name} "${bad}" is not one of: ${keys.join(', ')}`);
      return [...new Set(vs)].join(',');
    }
    default: {
      const value = vs.join(', ');
      if (value.length > MAX_TEXT) throw badRequest(`${name} is longer than ${MAX_TEXT} characters`);
      return value;
    }
  }
}
