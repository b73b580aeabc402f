// Text PostgreSQL cannot store (a NUL character) or that is not text at all (half of a
// UTF-16 surrogate pair) is refused where it comes in, saying where, instead of failing
// in the database as a 500.

// eslint-disable-next-line no-control-regex -- finding NUL is the point
const BAD_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Where in a parsed input the first unstorable string (or key) is, e.g. `body.people[2].name`; null when none. */
export function badTextAt(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === 'string') return BAD_TEXT.test(value) ? path : null;
  if (depth > 64 || value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = badTextAt(value[i], `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return null;
  }
  for (const [key, v] of Object.entries(value)) {
    if (BAD_TEXT.test(key)) return `${path} (a key)`;
    const found = badTextAt(v, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return null;
}

export const BAD_TEXT_MESSAGE = 'holds a NUL character or an unpaired surrogate, which is not text';
