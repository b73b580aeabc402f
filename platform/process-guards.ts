// Whatever a library lets slip (a rejected promise nobody awaited, an 'error' event with no
// listener) is written through the structured logger, never as a raw stack on stderr.
import { rootLogger } from './logger.js';

export function guardProcess(name: string): void {
  process.on('unhandledRejection', (reason: unknown) => {
    rootLogger.error(
      {
        process: name,
        err:
          reason instanceof Error
            ? { message: reason.message, code: (reason as { code?: unknown }).code, stack: reason.stack }
            : String(reason),
      },
      'unhandled rejection',
    );
  });
  process.on('uncaughtException', (err: Error) => {
    rootLogger.fatal({ process: name, err: { message: err.message, stack: err.stack } }, 'uncaught exception; exiting');
    process.exit(1);
  });
}
