// The one place that reads the environment. It is parsed once, at start, and a bad
// value stops the process with every offending variable named.
import { z } from 'zod';
import { cidrProblem } from './cidr.js';

const port = z.coerce.number().int().min(0).max(65535);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  DATABASE_URL: z.string().url().default('postgres://postgres:postgres@127.0.0.1:5432/wangge'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379/0'),
  /** Prefix of every Redis key and channel, so several deployments or test runs can share one Redis. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[\w.-]{1,40}$/)
    .default('wangge'),
  PORT: port.default(8080),
  OSMAND_PORT: port.default(5055),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest accepted request body, e.g. "5mb". */
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(kb|mb)$/)
    .default('10mb'),
  /** Polygons (gaps, overlaps, spill-over) smaller than this are warnings, not errors. */
  GRID_SLIVER_M2: z.coerce.number().min(0).default(1),
  /** How long a login token lives. */
  SESSION_TTL_HOURS: z.coerce.number().positive().default(12),
  /** Open live streams (SSE) check their session or device token this often; a revoked one ends. */
  SESSION_RECHECK_S: z.coerce.number().min(0.2).max(20).default(15),
  /** Tile cache entries kept in memory per instance. */
  TILE_CACHE_ENTRIES: z.coerce.number().int().positive().default(20_000),
  /** Key that encrypts camera credentials at rest: 32 bytes as 64 hex characters. */
  SECRET_KEY: z
    .string()
    .regex(/^[0-9a-f]{64}$/i, 'must be 64 hex characters')
    .default('6f'.repeat(32)),
  /** Where the start command seeds the demo town from. */
  DEMO_TOWN: bool.default(true),
  /** Days of position history kept; older day partitions are dropped. */
  POSITION_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(180),
  /** Fastest gridworker on foot or an e-bike, m/s; faster fixes are stored flagged `fast`. */
  FIX_MAX_SPEED_MPS: z.coerce.number().positive().default(15),
  /** How far ahead of the server clock a fix may be, seconds; beyond, it is stored at the receive time, flagged `clock_ahead`. */
  FIX_MAX_FUTURE_S: z.coerce.number().int().min(0).default(600),
  /** A fix arriving later than this after its time is `late`: kept in the history, never the current position. */
  FIX_LATE_AFTER_S: z.coerce.number().int().min(1).default(3600),
  /** A jump faster than this from the trusted fix (beyond the accuracy slack) is an `outlier`, m/s. */
  FIX_MAX_JUMP_SPEED_MPS: z.coerce.number().positive().default(60),
  /** The most of a fix's self-reported accuracy the jump check forgives, metres. */
  FIX_MAX_ACCURACY_M: z.coerce.number().min(0).default(100),
  /** Fixes after an outlier that must agree with it before it counts (it really moved). */
  FIX_OUTLIER_CONFIRM_FIXES: z.coerce.number().int().min(1).default(2),
  /** Requests a device may send in a burst, then per second (a flood gets 429). */
  DEVICE_BURST: z.coerce.number().int().min(1).default(30),
  DEVICE_PER_SECOND: z.coerce.number().positive().default(2),
  /** Most fixes waiting to be written; beyond it the ingest answers 503 with Retry-After. */
  POSITION_QUEUE_MAX: z.coerce.number().int().min(1).default(50_000),
  /** The towns' time zone offset, for calendar days (China: +8). */
  TOWN_UTC_OFFSET_HOURS: z.coerce.number().min(-12).max(14).default(8),
  /** Deadline of every call to a camera, ms. */
  CAMERA_TIMEOUT_MS: z.coerce.number().int().min(200).max(60_000).default(5000),
  /** Where WS-Discovery probes are sent from: the address of the cameras' network (loopback here). */
  DISCOVERY_INTERFACE: z.string().default('127.0.0.1'),
  DISCOVERY_PORT: port.default(3702),
  /** A PTZ control lock ends after this long without a command. */
  PTZ_LOCK_IDLE_S: z.coerce.number().int().min(1).default(60),
  /** How often every camera is health-checked. */
  CAMERA_HEALTH_INTERVAL_S: z.coerce.number().int().min(1).default(30),
  /** Photos and snapshots, named by content hash. */
  MEDIA_DIR: z.string().default('var/media'),
  /** Camera alarms of one kind closer together than this are one alert (a burst). */
  ALERT_DEDUPE_S: z.coerce.number().int().min(0).default(60),
  /** A live relay nobody watched for this long is stopped. */
  RELAY_IDLE_S: z.coerce.number().min(1).default(30),
  /** RTMP listener for pushed streams (phones, drones); 0 turns it off. */
  RTMP_PORT: port.default(1935),
  /** How phones reach the RTMP listener, for the push URLs handed out. */
  RTMP_PUBLIC_URL: z.string().default('rtmp://127.0.0.1:1935'),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
  /** A gridworker has this long to accept an offered incident before the next one is asked. */
  OFFER_TIMEOUT_S: z.coerce.number().min(1).default(120),
  /** Offers declined or timed out before the incident goes to the command room. */
  DISPATCH_MAX_MISSES: z.coerce.number().int().min(1).default(3),
  /** The incident grid's own gridworker is preferred when at most this far away. */
  OWN_GRID_MAX_M: z.coerce.number().min(0).default(1500),
  /** A position older than this does not count for dispatch. */
  DISPATCH_FRESH_S: z.coerce.number().int().min(1).default(300),
  /** Each open task counts as this many metres more distance when ranking gridworkers. */
  WORKLOAD_PENALTY_M: z.coerce.number().min(0).default(300),
  /** How often the leader re-creates lost dispatch jobs and sweeps missed deadlines. */
  INCIDENT_SWEEP_S: z.coerce.number().min(0.2).default(10),
  /** Yellow cards that flag a grid as failing (黄牌制: five). */
  YELLOW_CARDS_TO_FLAG: z.coerce.number().int().min(1).default(5),
  /** Largest photo or video attached to an incident. */
  INCIDENT_MEDIA_MAX_MB: z.coerce.number().min(0.1).max(200).default(20),
  /** Largest map file (zipped Shapefile, GeoPackage, KML …) a planner may upload. */
  MAP_FILE_MAX_MB: z.coerce.number().min(0.1).max(1000).default(100),
  /** Deadline of one ogr2ogr / ogrinfo run. */
  MAP_FILE_TIMEOUT_S: z.coerce.number().min(1).max(600).default(60),
  /** Largest JSON body of an ordinary route; BODY_LIMIT is for the routes that take uploads. */
  JSON_BODY_LIMIT: z
    .string()
    .regex(/^\d+(kb|mb)$/)
    .default('100kb'),
  /** Most positions in one geometry of a request (413 beyond). */
  MAX_POLYGON_VERTICES: z.coerce.number().int().min(4).default(20_000),
  /** Live streams (SSE) one account or phone keeps open on an instance (429 beyond). */
  SSE_PER_ACCOUNT: z.coerce.number().int().min(1).default(16),
  /** Live video relays (ffmpeg) one instance runs at once (429 beyond). */
  RELAYS_MAX: z.coerce.number().int().min(1).default(100),
  /** Bearer token of the Prometheus scraper for /metrics (admins may read it with their session). */
  METRICS_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  /** Port where the workers process serves its /metrics (dispatch latency, queues); 0: none. */
  WORKERS_METRICS_PORT: port.default(0),
  /** Where recording segments and exports live: the same path for every recorder and api instance (one host, or a shared mount). */
  RECORDINGS_DIR: z.string().min(1).default('var/recordings'),
  /** Most bytes the recordings may take; beyond it the oldest unheld segments go. 0: no quota. */
  RECORDINGS_QUOTA_MB: z.coerce.number().min(0).default(0),
  /** Free space the disk must keep; below it the oldest unheld segments go. */
  RECORDINGS_MIN_FREE_MB: z.coerce.number().min(0).default(1024),
  /** Seconds per segment file (the camera's keyframe interval rounds it up). */
  RECORDING_SEGMENT_S: z.coerce.number().min(1).max(30).default(4),
  /** Rolling buffer of placed cameras that do not record, so evidence has its pre-roll; 0: none. */
  RECORDING_BUFFER_S: z.coerce.number().int().min(0).max(3600).default(180),
  /** The camera lease of a recorder; a dead recorder's cameras are taken over after it. */
  RECORDER_LEASE_MS: z.coerce.number().int().min(500).max(120_000).default(6000),
  /** Most cameras one recorder process records. */
  RECORDER_MAX_CAMERAS: z.coerce.number().int().min(1).default(200),
  /** Longest clip one export may be, seconds. */
  EXPORT_MAX_S: z.coerce.number().int().min(10).default(1800),
  /** Evidence of a closed incident is kept this many days after it closed. */
  EVIDENCE_KEEP_DAYS: z.coerce.number().int().min(0).default(180),
  /** An incident's evidence: this many seconds before it was opened … */
  EVIDENCE_BEFORE_S: z.coerce.number().int().min(0).default(60),
  /** … to this many after. */
  EVIDENCE_AFTER_S: z.coerce.number().int().min(0).default(120),
  /**
   * The evidence sweep (workers' leader) looks this often for incidents of the last
   * EVIDENCE_SWEEP_HOURS with no evidence, whose cameras have footage (an event no
   * recorder heard). Keep it well under RECORDING_BUFFER_S − EVIDENCE_BEFORE_S, or a
   * buffer camera's pre-roll may be gone before it is held.
   */
  EVIDENCE_SWEEP_S: z.coerce.number().int().min(5).max(3600).default(60),
  EVIDENCE_SWEEP_HOURS: z.coerce.number().min(0.1).max(168).default(6),
  /**
   * Networks cameras live on, comma-separated CIDRs; the server talks to no camera address
   * outside them. Unset: the private ranges, plus loopback outside production.
   */
  CAMERA_NETWORKS: z
    .string()
    .default('')
    .refine(
      (v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          .every((c) => cidrProblem(c) === null),
      { message: 'must be comma-separated CIDRs such as 10.20.0.0/16,192.168.1.0/24' },
    ),
});

export type Config = z.infer<typeof schema>;
/** Every variable the processes read (the README's settings table lists them). */
export const SETTINGS = Object.keys(schema.shape) as (keyof Config)[];

export class ConfigError extends Error {}

export function parseConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
  }
  return result.data;
}

let cached: Config | undefined;
/** The process's configuration, parsed on first use. */
export function config(): Config {
  cached ??= parseConfig();
  return cached;
}

/** The configuration for a process's entry point: a bad setting is said once, exit code 2. */
export function configOrExit(): Config {
  try {
    return config();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(2);
  }
}
