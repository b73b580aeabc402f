// The boundary to the `onvif` npm library: its callback `Cam`, with a deadline
// and error mapping on every call. Nothing outside this folder sees a `Cam`.
//
// Why callbacks and not `onvif/promises`: the promise typings drop the
// arguments of overloaded methods, and the callback hands us the raw answer
// XML, which is where SOAP fault subcodes are.
import http from 'node:http';
import { parse as parseUrl } from 'node:url';
import onvif, { type Cam, type CamUriMap } from 'onvif';
import { mapLibraryError, timeoutError, type OnvifErrorContext } from './errors.js';
import { fenceServiceAddresses } from '../camera-network.js';

export interface CamOptions {
  host: string;
  port: number;
  username: string;
  password: string;
  /** Deadline of each call, and the library's socket timeout. */
  timeoutMs: number;
}

export interface CamHandle {
  readonly cam: Cam;
  /** Every socket of this camera goes through this agent, so they can all be cut at once. */
  readonly agent: http.Agent;
  /** host:port, for messages and logs (never credentials). */
  readonly camera: string;
  readonly timeoutMs: number;
}

/** What a library callback receives. `data` is the library's loosely shaped answer, read with ./read.ts. */
export interface CamAnswer {
  data: unknown;
  xml: string | undefined;
}

export type CamCallback = (err: Error | null, data?: unknown, xml?: string) => void;

export function cameraLabel(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export function createCam(options: CamOptions): CamHandle {
  // keepAlive off: cameras close idle sockets early and a reused dead socket
  // would turn into a spurious ECONNRESET.
  const agent = new http.Agent({ keepAlive: false });
  const cam = new onvif.Cam({
    hostname: options.host,
    port: options.port,
    username: options.username,
    password: options.password,
    timeout: options.timeoutMs,
    autoconnect: false,
    // WS-Security (the default): with HTTP Digest a wrong password passes connect().
    useWSSecurity: true,
    agent,
  });
  // The library emits 'warning' (e.g. media calls failing during connect) and,
  // for its own event loop, 'eventsError'; unhandled they are harmless, but an
  // 'error' event without a listener would throw.
  cam.on('error', () => undefined);
  // XAddrs the device reports stay on it or on the camera networks (video/camera-network.ts).
  fenceServiceAddresses(cam as unknown as Parameters<typeof fenceServiceAddresses>[0]);
  return { cam, agent, camera: cameraLabel(options.host, options.port), timeoutMs: options.timeoutMs };
}

/**
 * Runs one library call with its own deadline. The library may never call back
 * (seen with real cameras' unexpected answers), may throw synchronously, and
 * in rare races calls back twice: all three are handled here.
 */
export function callCam(
  handle: CamHandle,
  operation: string,
  run: (cb: CamCallback) => void,
  deadlineMs = handle.timeoutMs,
): Promise<CamAnswer> {
  const ctx: OnvifErrorContext = { camera: handle.camera, operation };
  return new Promise<CamAnswer>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => finish(timeoutError(ctx, deadlineMs)), deadlineMs);
    function finish(err: Error | null, answer?: CamAnswer): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(answer!);
    }
    try {
      run((err, data, xml) => {
        if (err) finish(mapLibraryError(err, xml, ctx));
        else finish(null, { data, xml });
      });
    } catch (err) {
      finish(mapLibraryError(err, undefined, ctx));
    }
  });
}

/** Cuts every socket of this camera: pending calls fail at once (used by stop() and close()). */
export function abortInFlight(handle: CamHandle): void {
  handle.agent.destroy();
}

/**
 * The library sends subscription-manager calls (PullMessages, Renew,
 * Unsubscribe) to the subscription address with Node's global agent. Pointing
 * that address at our agent lets stop() abort a pending one-minute long poll.
 */
export function routeSubscriptionThroughAgent(handle: CamHandle): void {
  const events: unknown = handle.cam.events;
  const subscription = (events as { subscription?: { subscriptionReference?: { address?: unknown } } } | undefined)
    ?.subscription;
  const address = subscription?.subscriptionReference?.address;
  if (typeof address === 'object' && address !== null) (address as { agent?: http.Agent }).agent = handle.agent;
}

/** Values go into the library's XML templates unescaped; escape what we pass. */
export function xmlEscape(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

/** The library's estimate of the camera clock minus ours, from its GetSystemDateAndTime at connect. */
export function libraryClockOffsetMs(handle: CamHandle): number | undefined {
  const shift = handle.cam.timeShift;
  return typeof shift === 'number' ? shift + process.uptime() * 1000 - Date.now() : undefined;
}

/**
 * Hands the library what the driver's own steps learnt (service addresses,
 * the camera clock), so its PTZ and event calls work without its connect().
 */
export function adoptServices(
  handle: CamHandle,
  services: Readonly<Record<string, string | undefined>>,
  clockOffsetMs: number,
): void {
  const uri: CamUriMap = {};
  for (const [name, xaddr] of Object.entries(services)) {
    // The library's own url.parse() shapes: it reads only `.path`, against its own host and port.
    if (xaddr) uri[name] = parseUrl(xaddr, false);
  }
  handle.cam.uri = uri;
  handle.cam.media2Support = services.media2 !== undefined;
  setLibraryClockOffset(handle, clockOffsetMs);
}

/** The library stamps WS-Security with process.uptime() + timeShift: keep it on the camera's clock. */
export function setLibraryClockOffset(handle: CamHandle, clockOffsetMs: number): void {
  handle.cam.timeShift = Date.now() + clockOffsetMs - process.uptime() * 1000;
}
