// Turns the tail of ffmpeg's stderr into one sentence a command-room operator can act
// on. Lines are masked before they get here (see mask-url.ts).

export interface ExitFacts {
  /** Masked stderr lines of the attempt, oldest first (the last few are enough). */
  lines: readonly string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  /** How long the attempt ran. */
  ranMs: number;
  /** The socket timeout the attempt was given. */
  timeoutMs: number;
  kind: 'rtsp' | 'rtmp';
  /** Whether the attempt wrote segments before it ended. */
  produced?: boolean;
}

interface Rule {
  test: RegExp;
  message: string;
}

// Ordered: the first rule that matches any line wins, so the specific ones come first.
const RULES: Rule[] = [
  { test: /401 Unauthorized|authorization failed/i, message: '401 Unauthorized: wrong camera user name or password' },
  { test: /403 Forbidden/i, message: '403 Forbidden: the camera refused this user (no permission to view the stream)' },
  { test: /404 Not Found/i, message: '404 Not Found: the camera has no stream at this path' },
  {
    test: /453 Not Enough Bandwidth|503 Service Unavailable/i,
    message: 'the camera is busy: too many viewers or not enough bandwidth',
  },
  { test: /Connection refused/i, message: 'the camera did not answer: connection refused (offline, or wrong port)' },
  { test: /Connection timed out|timed out/i, message: 'the camera did not answer: connection timed out' },
  {
    test: /No route to host|Network is unreachable|Host is unreachable/i,
    message: 'the camera did not answer: no route to host',
  },
  {
    test: /Name or service not known|Temporary failure in name resolution|Failed to resolve hostname/i,
    message: "the camera's host name does not resolve",
  },
  { test: /Connection reset by peer|Broken pipe/i, message: 'the camera closed the connection' },
  { test: /Unsupported transport|461 /i, message: 'the camera does not support RTSP over TCP' },
];

// ffmpeg itself could not be started: retrying cannot help. (Through setpriv the message
// is "setpriv: failed to execute ffmpeg: No such file or directory".)
const MISSING_FFMPEG =
  /failed to execute .*: (No such file or directory|Permission denied)|spawn \S+ ENOENT|spawn \S+ EACCES/i;
export const MISSING_FFMPEG_MESSAGE = 'ffmpeg could not be started (not installed? set FFMPEG_PATH)';

/** True when the attempt failed because the ffmpeg executable is missing. */
export function isMissingFfmpeg(lines: readonly string[]): boolean {
  return lines.some((l) => MISSING_FFMPEG.test(l));
}

const LEVEL_TAG = /\[(fatal|error|warning)\]/;

// Warnings ffmpeg prints on healthy camera streams; they never explain a failure.
const NOISE = [
  /Timestamps are unset in a packet/i,
  /Non-monotonous DTS/i,
  /not enough frames to estimate rate/i,
  /max delay reached|RTP: missed \d+ packets/i,
  /deprecated pixel format/i,
];

export function isNoise(line: string): boolean {
  return NOISE.some((n) => n.test(line));
}

/** The stderr line ffmpeg meant as the reason: the last error, else the last warning (noise ignored). */
export function lastErrorLine(lines: readonly string[]): string | undefined {
  const useful = lines.filter((l) => !isNoise(l));
  for (const level of ['fatal', 'error', 'warning']) {
    for (let i = useful.length - 1; i >= 0; i--) {
      const line = useful[i]!;
      if (LEVEL_TAG.exec(line)?.[1] === level) return line;
    }
  }
  return useful.at(-1);
}

/** Strips ffmpeg's "[rtsp @ 0x55…] [error] " prefixes. */
export function cleanLine(line: string): string {
  return line.replace(/^(\[[^\]]+ @ 0x[0-9a-f]+\]\s*)?(\[(fatal|error|warning|info)\]\s*)?/i, '').trim();
}

/** One readable sentence about why an attempt ended without (new) video. */
export function explainExit(facts: ExitFacts): string {
  if (isMissingFfmpeg(facts.lines)) return MISSING_FFMPEG_MESSAGE;
  for (const rule of RULES) {
    if (facts.lines.some((l) => rule.test.test(l))) return rule.message;
  }
  const source = facts.kind === 'rtsp' ? 'the camera' : 'the pushed stream';
  const cause = lastErrorLine(facts.lines);
  // ffmpeg reports an RTSP server that accepts the connection and then says nothing
  // as "Invalid data found" once its socket timeout has passed.
  if (
    !facts.produced &&
    facts.code !== 0 &&
    facts.ranMs >= facts.timeoutMs * 0.9 &&
    (!cause || /Invalid data found|Input\/output error|End of file/i.test(cause))
  ) {
    return `${source} did not answer within ${Math.round(facts.timeoutMs / 1000)} s`;
  }
  if (cause && /End of file|Input\/output error/i.test(cause)) return `${source} closed the connection`;
  if (cause && /Invalid data found/i.test(cause)) return `${source} sent no playable video`;
  if (facts.signal) return `ffmpeg was killed (${facts.signal})${cause ? `: ${cleanLine(cause)}` : ''}`;
  if (cause) return cleanLine(cause);
  // ffmpeg exits 0 when the source closes the connection (camera rebooting, publisher gone).
  return facts.code === 0 ? `${source} closed the connection` : `ffmpeg exited with code ${String(facts.code)}`;
}
