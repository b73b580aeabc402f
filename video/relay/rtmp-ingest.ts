// Streams pushed TO us (a gridworker's phone, a drone) arrive over RTMP (or HTTP/WS-FLV)
// at node-media-server 4, which also serves them as low-latency HTTP-FLV. It does no HLS
// and runs no ffmpeg: a pushed stream reaches browsers as HLS through the same
// RelayManager as the cameras, with `sourceUrl(streamKey)` as the relay's source.
//
// node-media-server 4 facts this wrapper relies on (read from its source, v4.4.3):
//  - one server per process: its state (config, sessions, the event emitter) lives in a
//    module-level Context object;
//  - events go through that emitter: prePublish / postPublish / donePublish, prePlay /
//    postPlay / donePlay, with the session as the only argument; there is no way to veto
//    from a handler, a handler can only close the session;
//  - a port of 0 means "no listener", and a listen error (EADDRINUSE) calls
//    process.exit(1) — so the ports are given explicitly and its error handlers replaced;
//  - donePublish comes only after a 30-second grace period in which the same client may
//    resume the publish; `unpublished` here fires when the publisher's connection closes;
//  - its JSON store writes under ./data by default and installs SIGINT/SIGTERM handlers
//    that re-raise the signal: the store is pointed at a scratch directory and its
//    signal handlers switched off (the server's own shutdown calls stop()).
import { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server as HttpServer } from 'node:http';
import { createRequire } from 'node:module';
import type { Server as NetServer, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { moduleLogger } from '../../platform/logger.js';

const require = createRequire(import.meta.url);

/** The parts of a node-media-server session this module reads. */
interface NmsSession {
  id: string;
  ip: string;
  protocol: string;
  streamApp: string;
  streamName: string;
  streamPath: string;
  socket?: Socket;
  req?: { socket?: Socket };
  close(): void;
}

interface NmsInstance {
  on(event: string, listener: (session: NmsSession) => void): void;
  run(): Promise<void>;
  stop(): Promise<void>;
  rtmpServer: { tcpServer?: NetServer };
  httpServer: { httpServer?: HttpServer };
  store: { options: { signals: boolean } };
}

type NmsConstructor = new (config: Record<string, unknown>) => NmsInstance;

interface NmsLogger {
  log(message: string, level?: string): void;
}

interface NmsContext {
  eventEmitter: EventEmitter;
}

export interface PublishInfo {
  /** Remote address of the publisher. */
  address: string;
  protocol: string;
}

export interface RtmpIngestOptions {
  /** RTMP listener port (a real port: node-media-server treats 0 as "off"). */
  rtmpPort: number;
  /** HTTP-FLV / WS-FLV port for low-latency playback (and FLV pushes); none if omitted. */
  httpPort?: number;
  /** Listen address; default 0.0.0.0 (phones push from the network). */
  host?: string;
  /** RTMP application name: rtmp://host:port/<app>/<streamKey>. Default "live". */
  app?: string;
  /** Decides whether a push with this stream key is accepted (e.g. a device's key in PostgreSQL). */
  authorize: (streamKey: string, info: PublishInfo) => boolean | Promise<boolean>;
  /**
   * Decides whether a player (RTMP play or HTTP-FLV) may watch. Default: loopback only —
   * the HLS relay's ffmpeg and a same-host proxy; pass `() => true` to open HTTP-FLV.
   */
  authorizePlay?: (streamKey: string, info: PublishInfo) => boolean;
  /** Directory for node-media-server's JSON store; default a fresh temp directory, removed on stop. */
  dataDir?: string;
  logger?: Logger;
}

export interface RtmpIngestEvents {
  published: [streamKey: string, info: PublishInfo];
  unpublished: [streamKey: string];
  rejected: [streamKey: string, info: PublishInfo];
}

let active = false;

/** A short, stable stand-in for a stream key in logs: the key itself is a credential. */
export function keyFingerprint(streamKey: string): string {
  return `key#${createHash('sha256').update(streamKey).digest('hex').slice(0, 8)}`;
}

/** "127.0.0.1:5000" / "::ffff:127.0.0.1:5000" → the address alone. */
function addressOf(ip: string): string {
  return ip.replace(/:\d+$/, '');
}

function isLoopback(address: string): boolean {
  return /^(127\.|::ffff:127\.)/.test(address) || address === '::1';
}

function socketOf(session: NmsSession): Socket | undefined {
  return session.socket ?? session.req?.socket;
}

function listening(server: NetServer, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (server.listening) {
      resolve();
      return;
    }
    server.once('listening', () => resolve());
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`${name} could not listen: ${err.code ?? err.message}`)),
    );
  });
}

function closed(server: NetServer | undefined): Promise<void> {
  if (!server?.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.once('close', () => resolve());
    setTimeout(resolve, 2000).unref();
  });
}

export class RtmpIngest extends EventEmitter<RtmpIngestEvents> {
  readonly rtmpPort: number;
  readonly httpPort: number | undefined;
  readonly app: string;

  private readonly log: Logger;
  private readonly publishers = new Map<string, string>(); // session id → stream key
  private readonly nmsListeners: Array<[string, (session: NmsSession) => void]> = [];
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly options: RtmpIngestOptions,
    private readonly nms: NmsInstance,
    private readonly context: NmsContext,
    private readonly dataDir: string,
    private readonly ownsDataDir: boolean,
    log: Logger,
  ) {
    super();
    this.rtmpPort = options.rtmpPort;
    this.httpPort = options.httpPort;
    this.app = options.app ?? 'live';
    this.log = log;
  }

  static async start(options: RtmpIngestOptions): Promise<RtmpIngest> {
    if (active)
      throw new Error('an RtmpIngest is already running in this process (node-media-server keeps global state)');
    if (!Number.isInteger(options.rtmpPort) || options.rtmpPort <= 0)
      throw new Error('rtmpPort must be a port number > 0');
    active = true;
    try {
      const log = (options.logger ?? moduleLogger('rtmp-ingest')).child({ component: 'node-media-server' });
      const app = options.app ?? 'live';
      redirectNmsLogs(log, app);
      const ownsDataDir = options.dataDir === undefined;
      const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'wangge-nms-')));
      const NodeMediaServer = require('node-media-server') as NmsConstructor;
      const context = require('node-media-server/src/core/context.js') as NmsContext;
      const nms = new NodeMediaServer({
        bind: options.host ?? '0.0.0.0',
        rtmp: { port: options.rtmpPort },
        ...(options.httpPort ? { http: { port: options.httpPort } } : {}),
        store: { path: dataDir },
        webadmin: { enable: false },
      });
      nms.store.options.signals = false;
      const ingest = new RtmpIngest(options, nms, context, dataDir, ownsDataDir, log);
      ingest.hook('prePublish', (s) => ingest.onPrePublish(s));
      ingest.hook('prePlay', (s) => ingest.onPrePlay(s));
      const running = nms.run();
      // run() has called listen() synchronously; swap the process.exit(1) handlers for ours.
      const servers: Array<[NetServer, string]> = [];
      if (nms.rtmpServer.tcpServer) servers.push([nms.rtmpServer.tcpServer, 'RTMP']);
      if (nms.httpServer.httpServer) servers.push([nms.httpServer.httpServer, 'HTTP-FLV']);
      for (const [server] of servers) server.removeAllListeners('error');
      try {
        await Promise.all(servers.map(([server, name]) => listening(server, name)));
        await running;
      } catch (err) {
        // Let run() finish opening its store first, so stop() closes it too.
        await running.catch(() => undefined);
        await ingest.stop();
        throw err;
      }
      for (const [server, name] of servers) {
        server.on('error', (err) => log.error({ err: err.message, server: name }, 'ingest listener error'));
      }
      log.info({ rtmpPort: options.rtmpPort, httpPort: options.httpPort, app }, 'RTMP ingest listening');
      return ingest;
    } catch (err) {
      active = false;
      throw err;
    }
  }

  /** The URL a local relay pulls this stream from. */
  sourceUrl(streamKey: string): string {
    const host = this.options.host && !['0.0.0.0', '::'].includes(this.options.host) ? this.options.host : '127.0.0.1';
    return `rtmp://${host.includes(':') ? `[${host}]` : host}:${this.rtmpPort}/${this.app}/${streamKey}`;
  }

  /** Stream keys being pushed right now (authorized and connected). */
  publishing(): string[] {
    return [...new Set(this.publishers.values())];
  }

  isPublishing(streamKey: string): boolean {
    return this.publishing().includes(streamKey);
  }

  /** Closes the listeners and every session, flushes node-media-server's store. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const [event, listener] of this.nmsListeners) this.context.eventEmitter.off(event, listener);
      const servers = [this.nms.rtmpServer.tcpServer, this.nms.httpServer.httpServer];
      await this.nms.stop();
      await Promise.all(servers.map((s) => closed(s)));
      if (this.ownsDataDir) await rm(this.dataDir, { recursive: true, force: true });
      active = false;
      this.log.info('RTMP ingest stopped');
    })();
    return this.stopping;
  }

  private hook(event: string, listener: (session: NmsSession) => void): void {
    const safe = (session: NmsSession): void => {
      try {
        listener(session);
      } catch (err) {
        this.log.error({ err }, `ingest ${event} handler threw`);
        session.close();
      }
    };
    this.nmsListeners.push([event, safe]);
    this.nms.on(event, safe);
  }

  private onPrePublish(session: NmsSession): void {
    const key = session.streamName;
    const info: PublishInfo = { address: addressOf(session.ip), protocol: session.protocol };
    const socket = socketOf(session);
    if (session.streamApp !== this.app) {
      this.reject(session, key, info, `unknown application "${session.streamApp}"`);
      return;
    }
    // No media is read until the decision: an async check (a database lookup) cannot
    // let a rejected publisher's video through to players in the meantime.
    socket?.pause();
    const settle = (ok: boolean): void => {
      if (socket?.destroyed) return;
      if (!ok) {
        this.reject(session, key, info, 'stream key not authorized');
        return;
      }
      socket?.resume();
      this.publishers.set(session.id, key);
      socket?.once('close', () => {
        this.publishers.delete(session.id);
        this.log.info({ stream: keyFingerprint(key) }, 'push ended');
        this.emit('unpublished', key);
      });
      this.log.info({ stream: keyFingerprint(key), ...info }, 'push accepted');
      this.emit('published', key, info);
    };
    let decision: boolean | Promise<boolean>;
    try {
      decision = this.options.authorize(key, info);
    } catch (err) {
      this.log.error({ err }, 'authorize threw; refusing the push');
      decision = false;
    }
    if (typeof decision === 'boolean') settle(decision);
    else
      decision.then(settle, (err: unknown) => {
        this.log.error({ err }, 'authorize failed; refusing the push');
        settle(false);
      });
  }

  private onPrePlay(session: NmsSession): void {
    const info: PublishInfo = { address: addressOf(session.ip), protocol: session.protocol };
    const allowed = this.options.authorizePlay
      ? this.options.authorizePlay(session.streamName, info)
      : isLoopback(info.address);
    if (!allowed || session.streamApp !== this.app) {
      this.log.warn({ stream: keyFingerprint(session.streamName), ...info }, 'play refused');
      destroy(session);
    }
  }

  private reject(session: NmsSession, key: string, info: PublishInfo, reason: string): void {
    this.log.warn({ stream: keyFingerprint(key), ...info, reason }, 'push refused');
    destroy(session);
    this.emit('rejected', key, info);
  }
}

/** Drops the connection at once (session.close() only half-closes an RTMP socket). */
function destroy(session: NmsSession): void {
  const socket = socketOf(session);
  if (socket) socket.destroy();
  else session.close();
}

let nmsLog: { log: Logger; keyInPath: RegExp } | undefined;

/**
 * node-media-server prints to the console at debug level. Its lines go to our logger
 * instead — routine ones at debug — with stream keys (in "/live/<key>") replaced by a
 * fingerprint. Its logger is a process-wide singleton, patched once; the target is the
 * logger of the ingest started last.
 */
function redirectNmsLogs(log: Logger, app: string): void {
  const first = nmsLog === undefined;
  nmsLog = { log, keyInPath: new RegExp(`(/${app.replace(/[^\w-]/g, '')}/)([A-Za-z0-9_-]+)`, 'g') };
  if (!first) return;
  const nmsLogger = require('node-media-server/src/core/logger.js') as NmsLogger;
  nmsLogger.log = (message: string, level = 'info') => {
    if (!nmsLog) return;
    const text = String(message).replace(
      nmsLog.keyInPath,
      (_m, prefix: string, key: string) => `${prefix}${keyFingerprint(key)}`,
    );
    if (level === 'warn' || level === 'error') nmsLog.log.warn(text);
    else nmsLog.log.debug(text);
  };
}
