// Whatever a library lets slip (a rejected promise nobody awaited, an 'error' event with no
// listener) is written through the structured logger, never as a raw stack on stderr.
import { rootLogger } from './logger.js';
import { dependencyGone } from './dependency-errors.js';

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
    // pg reports a connection the server ended (a restart: 57P01) as an 'error' event. The
    // pool listens on its clients (db/pool.ts); one made outside it lands here. The
    // connection is gone and its next use fails: no reason to stop the process.
    if (dependencyGone(err) === 'PostgreSQL') {
      rootLogger.error(
        { process: name, err: { message: err.message, code: (err as { code?: unknown }).code } },
        'a database connection was ended by the server; going on',
      );
      return;
    }
    rootLogger.fatal({ process: name, err: { message: err.message, stack: err.stack } }, 'uncaught exception; exiting');
    process.exit(1);
  });
}
