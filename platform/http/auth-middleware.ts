import type { NextFunction, Request, Response } from 'express';
import { AuthContext } from '../auth/auth-context.js';
import { Forbidden, PasswordChangeRequired, Unauthorized } from '../errors.js';
import type { Access } from './route.js';
import type { Role } from '../auth/roles.js';

/**
 * Where a token may come as `?access_token=`: only where the client cannot send a header
 * (EventSource streams, HLS playlists and segments fetched by a player). Anywhere else a
 * token in the URL would end up in logs, histories and Referer headers.
 */
export const QUERY_TOKEN_PATHS =
  /^\/api\/(?:live|phone\/live|cameras\/\d+\/live\/(?:main|sub)\/[\w.-]+|live-sources\/\d+\/live\/[\w.-]+)$/;

/** Reads `Authorization: Bearer …` (or `?access_token=` on SSE and HLS routes). */
export function bearerToken(req: Request): string | null {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim() || null;
  const fromQuery = req.query['access_token'];
  if (typeof fromQuery !== 'string' || !fromQuery) return null;
  if (!QUERY_TOKEN_PATHS.test(req.path)) {
    throw new Unauthorized(
      '?access_token= is accepted only on live streams (SSE) and HLS; send "Authorization: Bearer <token>"',
    );
  }
  return fromQuery;
}

/** What turns a session token into its account (accounts' AuthService, given to createApp). */
export interface SessionResolver {
  resolve(token: string): Promise<AuthContext>;
  /** Whether the token still belongs to this account (open streams re-ask). */
  stillValid(token: string, accountId: number): Promise<boolean>;
}

export async function authenticate(req: Request, res: Response, next: NextFunction): Promise<void> {
  const token = bearerToken(req);
  const service = req.app.locals['authService'] as SessionResolver;
  res.locals['auth'] = token ? await service.resolve(token) : AuthContext.anonymous();
  next();
}

/** A phone (or tracker) that proved itself with its device token. */
export interface AuthenticatedDevice {
  deviceId: number;
  personId: number;
  townId: number;
  identifier: string;
}

/**
 * What turns a device token into its device (positions' ingest, given to createApp): null
 * when unknown; it throws its own 4xx for a device that is known but refused (disabled).
 */
export interface DeviceResolver {
  deviceByToken(token: string): Promise<AuthenticatedDevice | null>;
}

/**
 * `access: 'device'`: the bearer token is a device's, never a session's. The route gets the
 * device; an account's session token is refused like no token.
 */
export async function authenticateDevice(req: Request, res: Response, next: NextFunction): Promise<void> {
  res.locals['auth'] = AuthContext.anonymous();
  const token = bearerToken(req);
  const resolver = req.app.locals['deviceResolver'] as DeviceResolver | undefined;
  const device = token && resolver ? await resolver.deviceByToken(token) : null;
  if (!device) throw new Unauthorized('Send the device token as "Authorization: Bearer dev_…"');
  res.locals['device'] = device;
  next();
}

export function anonymous(_req: Request, res: Response, next: NextFunction): void {
  res.locals['auth'] = AuthContext.anonymous();
  next();
}

export function requireAccess(access: Access, ownerAccess: readonly Role[] = [], beforePasswordChange = false) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const auth = res.locals['auth'] as AuthContext;
    if (access === 'public' || access === 'device') return next();
    if (!auth.isAuthenticated) throw new Unauthorized();
    if (auth.mustChangePassword && !beforePasswordChange) throw new PasswordChangeRequired();
    if (access !== 'authenticated' && !auth.hasRole(...access)) {
      // An owner role lets in only for the caller's own things, which the service checks.
      const owner = ownerAccess.length > 0 && auth.me.roles.some((r) => ownerAccess.includes(r));
      if (!owner) {
        const whom = ownerAccess.length
          ? `${access.join(', ')} (or ${ownerAccess.join(', ')}, for their own)`
          : access.join(', ');
        throw new Forbidden(`This needs one of the roles: ${whom}`);
      }
      res.locals['ownerOnly'] = true;
    }
    next();
  };
}
