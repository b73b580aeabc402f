import { pino, type Level, type Logger } from 'pino';
import { config } from './config.js';

// Paths that could carry secrets are never written, whatever logs them.
const redact = {
  paths: ['password', '*.password', 'credentials', '*.credentials', 'req.headers.authorization', 'token', '*.token'],
  censor: '[redacted]',
};

/** Something that takes every serialised log line (one JSON object and a newline). */
export interface LogTap {
  write(line: string): void;
}

const configuredLevel = config().LOG_LEVEL as Level | 'silent';
const stdout = pino.destination({ dest: 1, sync: true });
const taps = new Set<LogTap>();

// One stream in front of stdout so a test can see exactly what would be written. Without
// taps every line goes straight to stdout; with taps, stdout still gets only the lines at
// the configured level or above, so capturing more never makes the output noisier.
const output = {
  write(line: string): void {
    if (taps.size === 0) {
      stdout.write(line);
      return;
    }
    for (const tap of taps) tap.write(line);
    if (levelOf(line) >= (rootLogger.levels.values[configuredLevel] ?? Infinity)) stdout.write(line);
  },
  flush(done?: (err?: Error) => void): void {
    stdout.flush(done);
  },
};

function levelOf(line: string): number {
  const m = /^\{"level":(\d+)/.exec(line);
  return m ? Number(m[1]) : Infinity;
}

export const rootLogger: Logger = pino({ level: configuredLevel, redact, base: { pid: process.pid } }, output);

/** One logger per module, named so a reader can grep for it. */
export function moduleLogger(module: string): Logger {
  return rootLogger.child({ module });
}

export interface CapturedLogs {
  /** Every line written since capture began, as serialised (redaction applied). */
  readonly lines: readonly string[];
  text(): string;
  /** Ends the capture and restores the configured level. */
  stop(): void;
}

/**
 * Sees every line the process logs from now on, down to `level` (default trace), for
 * tests that must prove what never reaches a log. Loggers without a level of their own
 * (all module loggers) follow the root's level, so they are included.
 */
export function captureLogs(level: Level = 'trace'): CapturedLogs {
  const lines: string[] = [];
  const tap: LogTap = { write: (line) => void lines.push(line) };
  taps.add(tap);
  rootLogger.level = level;
  return {
    lines,
    text: () => lines.join(''),
    stop() {
      taps.delete(tap);
      if (taps.size === 0) rootLogger.level = configuredLevel;
    },
  };
}
