// HTTP to the OsmAnd port through one keep-alive agent with a bounded number of
// sockets, shared by every walker (10,000 phones must not mean 10,000 sockets).
import http from 'node:http';
import https from 'node:https';
import { classify, jsonBody, osmandPath, type Outcome } from './protocol.js';
import type { Fix, Protocol } from './types.js';

export interface TransportOptions {
  maxSockets: number;
  /** Real ms before a request counts as a network error. */
  timeoutMs: number;
}

export class Transport {
  private readonly agent: http.Agent;
  private readonly client: typeof http | typeof https;
  private readonly host: string;
  private readonly port: number;
  private readonly basePath: string;
  private readonly active = new Set<http.ClientRequest>();
  private closed = false;

  constructor(
    url: string,
    private readonly opts: TransportOptions,
  ) {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`unsupported OsmAnd URL ${url}`);
    this.client = u.protocol === 'https:' ? https : http;
    this.agent = new this.client.Agent({
      keepAlive: true,
      maxSockets: opts.maxSockets,
      maxFreeSockets: opts.maxSockets,
    });
    this.host = u.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
    this.basePath = u.pathname || '/';
  }

  get inFlight(): number {
    return this.active.size;
  }

  /** Sends one fix; `done` is called exactly once (not at all after close()). */
  send(fix: Fix, protocol: Protocol, done: (outcome: Outcome) => void): void {
    const body = protocol === 'json' ? jsonBody(fix) : undefined;
    const req = this.client.request({
      agent: this.agent,
      host: this.host,
      port: this.port,
      method: body === undefined ? 'GET' : 'POST',
      path: body === undefined ? osmandPath(this.basePath, fix) : this.basePath,
      headers:
        body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    this.active.add(req);
    let settled = false;
    const finish = (outcome: Outcome): void => {
      if (settled) return;
      settled = true;
      this.active.delete(req);
      if (!this.closed) done(outcome);
    };
    req.setTimeout(this.opts.timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', (err) => finish({ kind: 'retry', error: err.message }));
    req.on('response', (res) => {
      const retryAfter = res.headers['retry-after'];
      // Drain the body so the socket goes back to the pool.
      res.resume();
      res.on('end', () => finish(classify(res.statusCode ?? 0, retryAfter, Date.now())));
      res.on('error', (err) => finish({ kind: 'retry', error: err.message }));
    });
    req.end(body);
  }

  /** Abandons requests in flight and closes every socket. */
  async close(): Promise<void> {
    this.closed = true;
    const pending = [...this.active].map((req) => new Promise<void>((resolve) => req.once('close', () => resolve())));
    for (const req of this.active) req.destroy();
    this.agent.destroy();
    await Promise.all(pending);
    this.active.clear();
  }
}
