// A dependency briefly gone (PostgreSQL restarting, Redis restarting) is not our bug: the
// caller should try again shortly (503 + Retry-After), not read "internal error" (500).
// These are the errors pg and ioredis raise while their server is away.
import { ServiceUnavailable } from './errors.js';

/** SQLSTATEs of a server that is shutting down, starting, or out of connections. */
const PG_GONE = new Set([
  '57P01', // admin_shutdown (terminated by an administrator, or a fast shutdown)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '53300', // too_many_connections
  '08000',
  '08001',
  '08003',
  '08004',
  '08006', // connection exceptions
]);

/** Socket errors: nothing listens, or the connection was cut. */
const SOCKET_GONE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

const GONE_MESSAGES = [
  /^Connection terminated/, // pg: the server closed the socket
  /Client has encountered a connection error/, // pg: a client that lost its socket
  /timeout exceeded when trying to connect/, // pg pool: connectionTimeoutMillis
  /^Connection is closed\.?$/, // ioredis: command on a closed connection
  /Reached the max retries per request limit/, // ioredis MaxRetriesPerRequestError
  /^LOADING /, // Redis still loading its dataset
  /Stream isn't writeable/, // ioredis without offline queue
  /the database system is (starting up|shutting down|in recovery mode)/,
  /is not currently accepting connections/, // ALTER DATABASE … ALLOW_CONNECTIONS false (maintenance)
];

/** Which dependency an error says is gone, or null when it is some other error. */
export function dependencyGone(err: unknown): 'PostgreSQL' | 'Redis' | 'a dependency' | null {
  if (!(err instanceof Error)) return null;
  const e = err as Error & { code?: unknown; port?: unknown; severity?: unknown; errors?: unknown };
  // Node's AggregateError (happy eyeballs: IPv4 and IPv6 both refused).
  if (Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every((x) => dependencyGone(x) !== null))
    return dependencyGone(e.errors[0]);
  const code = typeof e.code === 'string' ? e.code : '';
  const redisish =
    e.name === 'MaxRetriesPerRequestError' || /ioredis|Redis|LOADING/.test(`${e.message}`) || e.port === 6379;
  if (PG_GONE.has(code) || (typeof e.severity === 'string' && code.startsWith('08'))) return 'PostgreSQL';
  if (SOCKET_GONE.has(code)) return redisish ? 'Redis' : e.port === 5432 ? 'PostgreSQL' : 'a dependency';
  if (GONE_MESSAGES.some((re) => re.test(e.message)))
    return redisish || /^Connection is closed/.test(e.message) ? 'Redis' : 'PostgreSQL';
  if (e.cause !== undefined && e.cause !== err) return dependencyGone(e.cause);
  return null;
}

/**
 * Runs a start-up step again (every second) for as long as it fails because PostgreSQL or
 * Redis is not there yet, so a process started during an outage waits for it instead of
 * exiting; any other error is thrown at once.
 */
export async function whenAvailable<T>(
  step: string,
  fn: () => Promise<T>,
  log: { warn(obj: object, msg: string): void },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const which = dependencyGone(err);
      if (!which) throw err;
      if (attempt === 1 || attempt % 10 === 0)
        log.warn({ step, waitingFor: which, attempt }, 'waiting for a dependency to start');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** Seconds a caller is asked to wait before trying again while a dependency is away. */
export const DEPENDENCY_RETRY_AFTER_S = 2;

/** The 503 for an error that means a dependency is gone, or null. */
export function asUnavailable(err: unknown): ServiceUnavailable | null {
  const which = dependencyGone(err);
  if (!which) return null;
  return new ServiceUnavailable(
    `${which === 'a dependency' ? 'A service this server needs' : which} is briefly unavailable; try again in a moment`,
    DEPENDENCY_RETRY_AFTER_S,
  );
}
