// A route is declared once, with the zod schemas that validate it; the same
// declarations produce the OpenAPI document. Handlers get parsed input and return
// the answer; they do not touch req/res unless they stream.
import type { Request, Response, Router } from 'express';
import type { z } from 'zod';
import type { Role } from '../auth/roles.js';
import type { AuthContext } from '../auth/auth-context.js';
import { parseInput } from './zod-errors.js';
import {
  anonymous,
  authenticate,
  authenticateDevice,
  requireAccess,
  type AuthenticatedDevice,
} from './auth-middleware.js';
import { assertVertexLimit, DEFAULT_BODY_LIMITS, jsonParser, type BodyLimits } from './body-limits.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
/**
 * Who may call: anybody, a device with its device token (a gridworker's phone), any
 * logged-in account, or accounts with one of the roles.
 */
export type Access = 'public' | 'device' | 'authenticated' | readonly Role[];

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  auth: AuthContext;
  /** The calling device, on `access: 'device'` routes (null on every other). */
  device: AuthenticatedDevice | null;
  /**
   * True when the caller got in only through `ownerAccess`: the handler must pass it on
   * and the service must check that the thing asked for is the caller's own.
   */
  ownerOnly: boolean;
  req: Request;
  res: Response;
}

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  contentType?: string;
}

export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: HttpMethod;
  path: string;
  summary: string;
  tag: string;
  access: Access;
  /**
   * Roles let in only for what is their own (a gridworker's own trace, the camera an
   * installer registered); the handler gets `ownerOnly` and the service checks.
   */
  ownerAccess?: readonly Role[];
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Largest JSON body: the small default unless an upload needs more ('large': BODY_LIMIT, or e.g. '512kb'). */
  bodyLimit?: 'large' | `${number}kb` | `${number}mb`;
  /** Status of a successful answer; 200 unless said. */
  status?: number;
  responses?: Record<number, ResponseSpec>;
  /** Callable while the account must still change its password (changing it, logging out). */
  beforePasswordChange?: boolean;
  /** A body that is a file, not JSON (read by the handler): documented in OpenAPI only. */
  rawBody?: { description: string; contentTypes: string[] };
  handler: (ctx: RouteContext<P, Q, B>) => Promise<unknown> | unknown;
}

// Identity function that keeps the generic types tied together at the call site.
export function route<P = Record<string, never>, Q = Record<string, never>, B = undefined>(
  spec: RouteSpec<P, Q, B>,
): RouteSpec<P, Q, B> {
  return spec;
}

export type AnyRoute = RouteSpec<any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function mount(router: Router, routes: readonly AnyRoute[], limits: BodyLimits = DEFAULT_BODY_LIMITS): void {
  for (const spec of routes) {
    // Public routes never look at the bearer token: it may be a device's, not a session's.
    const guards =
      spec.access === 'public'
        ? [anonymous]
        : spec.access === 'device'
          ? [authenticateDevice]
          : [authenticate, requireAccess(spec.access, spec.ownerAccess, spec.beforePasswordChange)];
    // The body is read after the guards: nobody unknown gets a large body parsed.
    const parser = jsonParser(spec.bodyLimit === 'large' ? limits.large : (spec.bodyLimit ?? limits.small));
    router[spec.method](spec.path, ...guards, parser, async (req: Request, res: Response) => {
      const params = spec.params ? parseInput(spec.params, req.params, 'params') : req.params;
      const query = spec.query ? parseInput(spec.query, req.query, 'query') : {};
      if (spec.body && req.body !== undefined) assertVertexLimit(req.body, limits.maxVertices);
      const body = spec.body ? parseInput(spec.body, req.body, 'body') : undefined;
      const result = await spec.handler({
        params,
        query,
        body,
        auth: res.locals.auth as AuthContext,
        device: (res.locals['device'] as AuthenticatedDevice | undefined) ?? null,
        ownerOnly: res.locals['ownerOnly'] === true,
        req,
        res,
      });
      if (res.headersSent) return;
      res.status(spec.status ?? 200);
      if (result === undefined) res.end();
      else res.json(result);
    });
  }
}
