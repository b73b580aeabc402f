import type { NextFunction, Request, Response } from 'express';
import { AppError, BadRequest, ServiceUnavailable, TooManyRequests } from '../errors.js';
import type { Logger } from 'pino';
import { asUnavailable } from '../dependency-errors.js';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
}

/** Errors from express's body parser, in our shape. */
function fromBodyParser(err: BodyParserError): AppError | null {
  switch (err.type) {
    case 'entity.parse.failed':
      return new BadRequest(`Malformed JSON: ${err.message}`, undefined, 'malformed_json');
    case 'entity.too.large':
      return new AppError(413, 'payload_too_large', `The body is larger than the limit of ${err.limit} bytes`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError(415, 'unsupported_encoding', err.message);
    case 'request.aborted':
      return new BadRequest('The request was aborted before its body arrived', undefined, 'aborted');
    default:
      // A path parameter that is not valid percent-encoding ("%ZZ"): the router says 400.
      return err instanceof URIError
        ? new BadRequest(`The path is not valid percent-encoding: ${err.message}`, undefined, 'malformed_url')
        : null;
  }
}

export function errorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  const log = (res.locals['log'] as Logger | undefined) ?? (req.app.locals['log'] as Logger);
  // PostgreSQL or Redis briefly gone is a 503 the caller retries, not our bug.
  const gone = err instanceof AppError ? null : asUnavailable(err);
  if (gone)
    log.warn(
      { err: { message: (err as Error).message, code: (err as { code?: unknown }).code } },
      'dependency unavailable',
    );
  const known = err instanceof AppError ? err : (gone ?? fromBodyParser(err as BodyParserError));
  if (res.headersSent) {
    log.warn({ err }, 'error after the answer started');
    res.destroy();
    return;
  }
  if (known) {
    if (known instanceof ServiceUnavailable) res.setHeader('Retry-After', String(known.retryAfterSeconds));
    if (known instanceof TooManyRequests) res.setHeader('Retry-After', String(known.retryAfterSeconds));
    res.status(known.status).json(known.toBody());
    return;
  }
  log.error({ err }, 'unhandled error');
  res.status(500).json({
    error: {
      code: 'internal',
      message: 'Something went wrong on our side; it has been logged.',
      details: { requestId: res.locals['requestId'] },
    },
  });
}
