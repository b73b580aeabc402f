import { pino, type Logger } from 'pino';
import { config } from './config.js';

// Paths that could carry secrets are never written, whatever logs them.
const redact = {
  paths: ['password', '*.password', 'credentials', '*.credentials', 'req.headers.authorization', 'token', '*.token'],
  censor: '[redacted]',
};

export const rootLogger: Logger = pino({ level: config().LOG_LEVEL, redact, base: { pid: process.pid } });

/** One logger per module, named so a reader can grep for it. */
export function moduleLogger(module: string): Logger {
  return rootLogger.child({ module });
}
