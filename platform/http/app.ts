// Builds the Express app from services: the one place routes are listed.
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Metrics } from '../metrics.js';
import type { Logger } from 'pino';
import { NotFound } from '../errors.js';
import { errorHandler } from './error-handler.js';
import { buildOpenApi } from './openapi.js';
import { requestContext } from './request-context.js';
import { mount, type AnyRoute } from './route.js';
import type { HealthService } from '../health/health.service.js';
import { authenticate, type DeviceResolver, type SessionResolver } from './auth-middleware.js';
import { DEFAULT_BODY_LIMITS } from './body-limits.js';
import { securityHeaders } from './security-headers.js';
import type { AuthContext } from '../auth/auth-context.js';

export interface AppParts {
  log: Logger;
  /** Routes declared with a large body (imports); the others get smallBodyLimit. */
  bodyLimit: string;
  smallBodyLimit?: string;
  /** Most positions in one geometry of a request body. */
  maxVertices?: number;
  auth: SessionResolver;
  /** Device tokens, for the routes declared `access: 'device'`. */
  devices?: DeviceResolver;
  health: HealthService;
  routes: AnyRoute[];
  /**
   * Routers that speak their own protocol (Open311: form bodies, XML, its own errors):
   * mounted after the request context, before the JSON parser and the /api 404.
   */
  routers?: RequestHandler[];
  /** Static files (the built web app), served last. */
  staticDir?: string;
  version: string;
  /** Prometheus metrics at /metrics, for admins or a bearer METRICS_TOKEN. */
  metrics?: { metrics: Metrics; token?: string };
}

/** /metrics: a METRICS_TOKEN is not a session, so it is not looked up as one (the handler checks it). */
function metricsAuth(token: string | undefined) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (token && req.headers.authorization === `Bearer ${token}`) {
      next();
      return;
    }
    authenticate(req, res, next).catch(next);
  };
}

export function createApp(parts: AppParts): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.set('query parser', 'simple');
  // Hashing every large JSON answer costs more than it saves; tiles set their own ETag.
  app.set('etag', false);
  app.locals['authService'] = parts.auth;
  app.locals['deviceResolver'] = parts.devices;
  app.locals['log'] = parts.log;
  // The declarations themselves, for the tests that walk every route.
  app.locals['routes'] = parts.routes;

  app.use(securityHeaders);
  if (parts.metrics) app.use(parts.metrics.metrics.middleware());
  app.use(requestContext(parts.log));
  for (const router of parts.routers ?? []) app.use(router);

  // Versions and internals only to admins: they tell an attacker what to try.
  app.get('/healthz', authenticate, async (_req, res) => {
    const report = await parts.health.check();
    const auth = res.locals['auth'] as AuthContext;
    res.setHeader('Cache-Control', 'no-store');
    res
      .status(report.status === 'ok' ? 200 : 503)
      .json(auth.account?.roles.includes('admin') ? report : { status: report.status });
  });
  if (parts.metrics)
    app.get('/metrics', metricsAuth(parts.metrics.token), parts.metrics.metrics.handler(parts.metrics.token));
  const openapi = buildOpenApi(parts.routes, parts.version);
  app.get('/api/openapi.json', (_req, res) => void res.json(openapi));

  const router = express.Router();
  mount(router, parts.routes, {
    small: parts.smallBodyLimit ?? DEFAULT_BODY_LIMITS.small,
    large: parts.bodyLimit,
    maxVertices: parts.maxVertices ?? DEFAULT_BODY_LIMITS.maxVertices,
  });
  app.use(router);

  app.use('/api', (req) => {
    throw new NotFound(`No route ${req.method} ${req.originalUrl.split('?')[0]}`);
  });
  if (parts.staticDir) {
    // The built app's assets have content hashes in their names and never change; the
    // page that names them must be asked for again, or a rebuild leaves it pointing at
    // files that are gone.
    app.use(
      express.static(parts.staticDir, {
        index: 'index.html',
        maxAge: '1h',
        setHeaders: (res, path) => {
          if (path.endsWith('.html')) res.setHeader('Cache-Control', 'no-cache');
          else if (path.includes('/assets/')) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
        },
      }),
    );
  }
  app.use(errorHandler);
  return app;
}
