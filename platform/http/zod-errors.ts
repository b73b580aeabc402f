import type { z } from 'zod';
import { BadRequest } from '../errors.js';
import { BAD_TEXT_MESSAGE, badTextAt } from './text-input.js';

/** `features[3].geometry.coordinates[0]`: where in the input a problem is. */
export function formatPath(path: ReadonlyArray<PropertyKey>, root = ''): string {
  let out = root;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}

export interface InputProblem {
  path: string;
  message: string;
}

export function problemsOf(error: z.ZodError, root = ''): InputProblem[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path, root), message: issue.message }));
}

/** Parses input with a schema or throws a 400 listing every problem and where it is. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown, where: 'body' | 'query' | 'params'): T {
  const bad = badTextAt(input, where);
  if (bad)
    throw new BadRequest(
      `Invalid ${where}: ${bad} ${BAD_TEXT_MESSAGE}`,
      { problems: [{ path: bad, message: BAD_TEXT_MESSAGE }] },
      'invalid_input',
    );
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = problemsOf(result.error, where);
  const first = problems[0];
  const summary = first ? `${first.path}: ${first.message}` : 'invalid input';
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  throw new BadRequest(`Invalid ${where}: ${summary}${more}`, { problems }, 'invalid_input');
}
