// Builds the Express app from services: the one place routes are listed.
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { NotFound } from '../errors.js';
import type { AuthService } from '../auth/auth.service.js';
import { errorHandler } from './error-handler.js';
import { buildOpenApi } from './openapi.js';
import { requestContext } from './request-context.js';
import { mount, type AnyRoute } from './route.js';
import type { HealthService } from '../health/health.service.js';

export interface AppParts {
  log: Logger;
  bodyLimit: string;
  auth: AuthService;
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
}

export function createApp(parts: AppParts): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.set('query parser', 'simple');
  // Hashing every large JSON answer costs more than it saves; tiles set their own ETag.
  app.set('etag', false);
  app.locals['authService'] = parts.auth;
  app.locals['log'] = parts.log;
  // The declarations themselves, for the tests that walk every route.
  app.locals['routes'] = parts.routes;

  app.use(requestContext(parts.log));
  for (const router of parts.routers ?? []) app.use(router);
  app.use(express.json({ limit: parts.bodyLimit, type: ['application/json', 'application/geo+json', 'application/*+json'] }));

  app.get('/healthz', async (_req, res) => {
    const report = await parts.health.check();
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  });
  const openapi = buildOpenApi(parts.routes, parts.version);
  app.get('/api/openapi.json', (_req, res) => void res.json(openapi));

  const router = express.Router();
  mount(router, parts.routes);
  app.use(router);

  app.use('/api', (req) => {
    throw new NotFound(`No route ${req.method} ${req.originalUrl.split('?')[0]}`);
  });
  if (parts.staticDir) {
    // The built app's assets have content hashes in their names and never change; the
    // page that names them must be asked for again, or a rebuild leaves it pointing at
    // files that are gone.
    app.use(express.static(parts.staticDir, {
      index: 'index.html',
      maxAge: '1h',
      setHeaders: (res, path) => {
        if (path.endsWith('.html')) res.setHeader('Cache-Control', 'no-cache');
        else if (path.includes('/assets/')) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      },
    }));
  }
  app.use(errorHandler);
  return app;
}
