import type { NextFunction, Request, Response } from 'express';
import { AuthContext } from '../auth/auth-context.js';
import type { AuthService } from '../auth/auth.service.js';
import { Forbidden, Unauthorized } from '../errors.js';
import type { Access } from './route.js';
import type { Role } from '../auth/roles.js';

/** Reads `Authorization: Bearer …` (or `?access_token=` for EventSource and tiles). */
export function bearerToken(req: Request): string | null {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim() || null;
  const fromQuery = req.query['access_token'];
  return typeof fromQuery === 'string' && fromQuery ? fromQuery : null;
}

export async function authenticate(req: Request, res: Response, next: NextFunction): Promise<void> {
  const token = bearerToken(req);
  const service = req.app.locals['authService'] as AuthService;
  res.locals['auth'] = token ? await service.resolve(token) : AuthContext.anonymous();
  next();
}

export function anonymous(_req: Request, res: Response, next: NextFunction): void {
  res.locals['auth'] = AuthContext.anonymous();
  next();
}

export function requireAccess(access: Access, ownerAccess: readonly Role[] = []) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const auth = res.locals['auth'] as AuthContext;
    if (access === 'public') return next();
    if (!auth.isAuthenticated) throw new Unauthorized();
    if (access !== 'authenticated' && !auth.hasRole(...access)) {
      // An owner role lets in only for the caller's own things, which the service checks.
      const owner = ownerAccess.length > 0 && auth.me.roles.some((r) => ownerAccess.includes(r));
      if (!owner) {
        const whom = ownerAccess.length ? `${access.join(', ')} (or ${ownerAccess.join(', ')}, for their own)` : access.join(', ');
        throw new Forbidden(`This needs one of the roles: ${whom}`);
      }
      res.locals['ownerOnly'] = true;
    }
    next();
  };
}
