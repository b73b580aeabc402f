// Open311 answers errors its own way: a list of {code, description} with the HTTP
// status as the code (400, 403, 404), never the server's {error: {...}} shape.
import { AppError, Forbidden, NotFound, ServiceUnavailable } from '../../platform/errors.js';

export class Open311Error extends Error {
  constructor(
    readonly status: number,
    readonly description: string,
  ) {
    super(description);
    this.name = 'Open311Error';
  }
}

export const badRequest = (description: string) => new Open311Error(400, description);
export const forbidden = (description: string) => new Open311Error(403, description);
export const notFound = (description: string) => new Open311Error(404, description);

/** Body-parser and stream errors carry a status of their own. */
interface HttpishError {
  type?: string;
  status?: number;
  expose?: boolean;
  message?: string;
}

/**
 * The typed errors of the core (intake, taxonomy) as the spec's statuses: what the
 * domain refuses about the request is a 400, a town the key may not report in a 403,
 * something missing a 404. Anything unknown stays a 500 (logged by the router).
 */
export function toOpen311Error(err: unknown): Open311Error | null {
  if (err instanceof Open311Error) return err;
  if (err instanceof ServiceUnavailable) return new Open311Error(503, err.message);
  if (err instanceof Forbidden) return forbidden(err.message);
  if (err instanceof NotFound) return notFound(err.message);
  if (err instanceof AppError) {
    if (err.code === 'outside_towns')
      return badRequest(`${err.message}: the point is not in any town this service covers`);
    if (err.status === 413) return new Open311Error(413, err.message);
    // The same call is still being filed (a retry overtook it): ask again (Retry-After).
    if (err.status === 409 && err.code === 'in_progress') return new Open311Error(409, err.message);
    return err.status >= 500 ? null : badRequest(err.message);
  }
  const h = err as HttpishError;
  if (typeof h?.status === 'number' && h.status >= 400 && h.status < 500 && h.expose !== false) {
    return new Open311Error(h.status === 413 ? 413 : 400, h.message ?? 'Bad request');
  }
  return null;
}
