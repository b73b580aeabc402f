// The camera's HTTP port: ONVIF SOAP services, the snapshot URL, a vendor-ish
// home page and the simulator's own /sim/ control endpoints. Fault switches
// (delay, dropped sockets, non-ONVIF answers) are applied here, before any
// ONVIF logic, because that is where a real device's web server misbehaves.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpReply } from './soap/router.js';
import type { CameraFaults } from './types.js';

const MAX_BODY_BYTES = 1024 * 1024;

export interface HttpRoutes {
  faults(): CameraFaults;
  /** POST to an ONVIF service address. */
  soap(
    req: IncomingMessage,
    pathname: string,
    body: string,
    signal: AbortSignal,
    afterResponse: (fn: () => void) => void,
  ): Promise<HttpReply>;
  /** GET of the snapshot URL. */
  snapshot(req: IncomingMessage, url: URL): Promise<HttpReply>;
  /** Everything under /sim/ (never subject to faults). */
  control(method: string, subPath: string, body: string, afterResponse: (fn: () => void) => void): Promise<HttpReply>;
  isSoapPath(pathname: string): boolean;
  snapshotPath: string;
  homePage(): string;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

const NOT_ONVIF_PAGE =
  '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Web Service</title></head>' +
  '<body><h1>Network Video Recorder</h1><p>Please use the web client to log in.</p></body></html>';

export class CameraHttpServer {
  private server: http.Server | undefined;

  constructor(private readonly routes: HttpRoutes) {}

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  /** Starts listening; returns the bound port (useful with port 0). */
  async listen(port: number, host: string): Promise<number> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  /** Stops accepting and cuts every open connection, like pulling the plug. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const afterResponse = (fn: () => void): void => void res.once('finish', fn);
    try {
      const url = new URL(req.url ?? '/', 'http://camera.invalid');
      const body = await readBody(req);

      if (url.pathname.startsWith('/sim/')) {
        return send(res, await this.routes.control(req.method ?? 'GET', url.pathname.slice(5), body, afterResponse));
      }

      const faults = this.routes.faults();
      if (faults.dropConnections) {
        req.socket.destroy();
        return;
      }
      if (faults.delayMs > 0) {
        await sleep(faults.delayMs, abort.signal);
        if (abort.signal.aborted) return;
      }
      if (faults.notOnvif) {
        return send(res, {
          status: 200,
          body: NOT_ONVIF_PAGE,
          headers: { 'Content-Type': 'text/html; charset=utf-8' },
        });
      }

      if (req.method === 'POST' && this.routes.isSoapPath(url.pathname)) {
        return send(res, await this.routes.soap(req, url.pathname, body, abort.signal, afterResponse));
      }
      if (req.method === 'GET' && url.pathname === this.routes.snapshotPath) {
        return send(res, await this.routes.snapshot(req, url));
      }
      if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')) {
        return send(res, {
          status: 200,
          body: this.routes.homePage(),
          headers: { 'Content-Type': 'text/html; charset=utf-8' },
        });
      }
      send(res, { status: 404, body: 'Not Found', headers: { 'Content-Type': 'text/plain' } });
    } catch (err) {
      if (err instanceof BodyTooLarge) return;
      if (!res.headersSent && !res.destroyed) {
        send(res, {
          status: 500,
          body: `Internal error: ${err instanceof Error ? err.message : String(err)}`,
          headers: { 'Content-Type': 'text/plain' },
        });
      }
    }
  }
}

function send(res: ServerResponse, reply: HttpReply): void {
  if (res.destroyed) return;
  res.writeHead(reply.status, { Server: 'SimCam-webs', ...reply.headers });
  res.end(reply.body);
}
