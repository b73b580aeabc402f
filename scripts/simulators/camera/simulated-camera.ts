// A simulated ONVIF IP camera that behaves like a real device on the wire:
// ONVIF SOAP (device, media, PTZ, events) with WS-Security, an RTSP server with
// real H.264 video, JPEG snapshots, WS-Discovery, a wrong clock if asked, and
// fault switches for the failures town deployments see every day.
//
//   const cam = await SimulatedCamera.start({ name: '东门广场', ptz: true });
//   cam.xaddr            // http://127.0.0.1:PORT/onvif/device_service
//   cam.rtspUrl('main')  // rtsp://127.0.0.1:PORT/main (no credentials, as GetStreamUri says)
//   cam.emitEvent({ topic: 'motion', state: true });
//   await cam.setFaults({ offline: true });
//   await cam.stop();
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { CameraClock } from './clock.js';
import { handleControl, type ControllableCamera } from './control.js';
import { DiscoveryResponder, WS_DISCOVERY_PORT } from './discovery.js';
import { EventBroker } from './events/event-broker.js';
import { CameraEventSource } from './events/event-messages.js';
import { HttpAuth } from './http-auth.js';
import { CameraHttpServer } from './http-server.js';
import { DEFAULT_PTZ_OPTIONS, PtzState, type PtzOptions } from './ptz/ptz-state.js';
import { RtspServerProcess, type RtspAuthMethod } from './rtsp-process.js';
import {
  PROFILES,
  SERVICE_PATHS,
  SNAPSHOT_PATH,
  SUBSCRIPTION_PATH_PREFIX,
  TOKENS,
  type CameraContext,
  type ServiceHandlers,
  type ServiceName,
} from './services/context.js';
import { deviceService } from './services/device.js';
import { eventsService } from './services/events.js';
import { mediaService } from './services/media.js';
import { ptzService } from './services/ptz.js';
import { replayService } from './services/replay.js';
import { searchService } from './services/search.js';
import { SdCard, type SdCardOptions } from './recordings/sd-card.js';
import { isSoapPath, routeSoap, type HttpReply } from './soap/router.js';
import { NonceCache } from './soap/ws-security.js';
import { SnapshotGrabber } from './snapshot.js';
import {
  NO_FAULTS,
  STREAM_NAMES,
  type CameraEventInput,
  type CameraFaults,
  type DeviceIdentity,
  type PtzSnapshot,
  type PtzVector,
  type StreamName,
  type StreamSpec,
} from './types.js';

export interface SimulatedCameraOptions {
  /** Shown in the video, the ONVIF name scope and discovery. */
  name: string;
  /** Address to bind and to advertise in XAddrs and stream URIs. Keep it loopback. */
  host?: string;
  /** ONVIF/HTTP port; 0 picks a free one. */
  onvifPort?: number;
  /** RTSP port; 0 picks a free one. */
  rtspPort?: number;
  username?: string;
  password?: string;
  /** A dome with a PTZ service; false for a fixed bullet camera. */
  ptz?: boolean;
  /** A 高点 (tower/rooftop) camera: reported in scopes, and gets a long-range dome model name. */
  highPosition?: boolean;
  /** Camera clock minus real time, e.g. -3 years for a camera with a flat RTC battery. */
  clockOffsetMs?: number;
  /** Largest accepted difference between a WS-Security Created stamp and the camera clock. */
  maxClockSkewMs?: number;
  manufacturer?: string;
  model?: string;
  firmwareVersion?: string;
  serialNumber?: string;
  hardwareId?: string;
  /** ONVIF location scope, e.g. "城关镇/东门". */
  location?: string;
  streams?: Partial<Record<StreamName, Partial<StreamSpec>>>;
  /** Start the GStreamer RTSP server (default true). False saves CPU in ONVIF-only tests. */
  rtsp?: boolean;
  /**
   * A snapshot endpoint (default true). False: a camera without one, as Profile S allows:
   * capabilities say SnapshotUri="false", GetSnapshotUri faults ter:ActionNotSupported
   * and the snapshot path answers 404; clients must grab a frame from the stream.
   */
  snapshot?: boolean;
  /**
   * Reports URIs with the credentials in them, as some firmwares do: GetStreamUri gives
   * rtsp://user:password@host/…, GetSnapshotUri a Foscam-style CGI URL with
   * `&usr=…&pwd=…` in the query, which the snapshot endpoint then accepts as its login.
   */
  credentialsInUris?: boolean;
  rtspAuth?: RtspAuthMethod;
  /** videotestsrc pattern of the video ("ball", "smpte", ...). */
  videoPattern?: string;
  /** PTZ mechanics: full-speed units/s, 360° pan, default ContinuousMove timeout. */
  ptzOptions?: Partial<Omit<PtzOptions, 'maxSpeed'>> & { maxSpeed?: Partial<PtzVector> };
  /** WS-Discovery responder; false disables it. Default port 3702. */
  discovery?: false | { port?: number };
  /** How long SystemReboot / reboot() keep the camera down. */
  rebootMs?: number;
  faults?: Partial<CameraFaults>;
  /** Maximum live pull-point subscriptions (real cameras allow few). */
  maxSubscriptions?: number;
  /**
   * Profile G: an SD card with a recording, listed by the recording search service and
   * replayed over RTSP by the replay service (true: the default spans, see sd-card.ts).
   */
  sdCard?: boolean | SdCardOptions;
}

const DEFAULT_STREAMS: Record<StreamName, StreamSpec> = {
  main: { width: 640, height: 360, fps: 15, bitrateKbps: 768 },
  sub: { width: 320, height: 180, fps: 10, bitrateKbps: 256 },
};

export interface CameraState {
  name: string;
  online: boolean;
  xaddr: string;
  rtsp: Record<StreamName, string>;
  snapshot: Record<StreamName, string>;
  username: string;
  faults: CameraFaults;
  clockOffsetMs: number;
  subscriptions: number;
  ptz: PtzSnapshot | undefined;
  rtspPid: number | undefined;
  /** False when the RTSP child has exited (a crash shows here, not only as refused connections). */
  rtspRunning: boolean;
}

/** Stable pseudo-serial and UUID from the camera name: the same camera keeps its identity across runs. */
function hashOf(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

function uuidFrom(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export class SimulatedCamera implements ControllableCamera {
  readonly name: string;
  readonly host: string;
  readonly username: string;
  readonly password: string;
  /** WS-Discovery endpoint reference, "urn:uuid:…". */
  readonly endpoint: string;
  readonly identity: DeviceIdentity;
  readonly streams: Record<StreamName, StreamSpec>;

  private readonly clock: CameraClock;
  private readonly ptz: PtzState | undefined;
  /** Profile G's SD card; undefined without one. */
  readonly sdCard: SdCard | undefined;
  private readonly broker: EventBroker;
  private readonly eventSource: CameraEventSource;
  private readonly http: CameraHttpServer;
  private readonly snapshots: SnapshotGrabber;
  private readonly httpAuth: HttpAuth;
  private readonly services: Partial<Record<ServiceName, ServiceHandlers>>;
  private rtsp: RtspServerProcess | undefined;
  private discovery: DiscoveryResponder | undefined;
  private currentFaults: CameraFaults;
  private httpPort: number;
  private rtspPortNumber: number;
  /** Serialises power transitions (offline/online/reboot/stop). */
  private transitions: Promise<unknown> = Promise.resolve();
  private stopped = false;

  private constructor(private readonly options: SimulatedCameraOptions) {
    this.name = options.name;
    this.host = options.host ?? '127.0.0.1';
    this.username = options.username ?? 'admin';
    this.password = options.password ?? 'sim12345';
    const hex = hashOf(`wangge-sim-camera:${options.name}`);
    this.endpoint = `urn:uuid:${uuidFrom(hex)}`;
    const ptz = options.ptz ?? false;
    this.identity = {
      manufacturer: options.manufacturer ?? 'WGTY-Sim',
      model: options.model ?? (ptz ? (options.highPosition ? 'SIM-LR-PTZ-4437' : 'SIM-PTZ-4225') : 'SIM-BULLET-2T'),
      firmwareVersion: options.firmwareVersion ?? 'V5.7.3 build 230601',
      serialNumber:
        options.serialNumber ?? `SIM${parseInt(hex.slice(0, 10), 16).toString().slice(0, 9).padStart(9, '0')}`,
      hardwareId: options.hardwareId ?? '88',
    };
    this.streams = {
      main: { ...DEFAULT_STREAMS.main, ...options.streams?.main },
      sub: { ...DEFAULT_STREAMS.sub, ...options.streams?.sub },
    };
    this.clock = new CameraClock(options.clockOffsetMs ?? 0);
    if (ptz) {
      const o = options.ptzOptions ?? {};
      this.ptz = new PtzState({
        ...DEFAULT_PTZ_OPTIONS,
        ...o,
        maxSpeed: { ...DEFAULT_PTZ_OPTIONS.maxSpeed, ...o.maxSpeed },
      });
    }
    if (options.sdCard)
      this.sdCard = new SdCard(options.sdCard === true ? {} : options.sdCard, this.clock.nowMs(), () =>
        this.clock.nowMs(),
      );
    this.broker = new EventBroker(() => this.clock.nowMs(), {
      maxSubscriptions: options.maxSubscriptions ?? 10,
      maxQueue: 200,
    });
    this.eventSource = new CameraEventSource(TOKENS);
    this.currentFaults = {
      ...NO_FAULTS,
      ...options.faults,
      profilesWithoutRtsp: [...(options.faults?.profilesWithoutRtsp ?? [])],
    };
    this.httpPort = options.onvifPort ?? 0;
    // Without an RTSP server the URIs still need a port; 554 is what cameras use.
    this.rtspPortNumber = options.rtspPort || (options.rtsp === false ? 554 : 0);
    this.httpAuth = new HttpAuth(`${this.identity.model}`, () => ({
      username: this.username,
      password: this.password,
    }));

    const ctx = this.context();
    this.services = {
      device: deviceService(ctx),
      media: mediaService(ctx),
      events: eventsService(ctx),
      ...(this.ptz ? { ptz: ptzService(ctx, this.ptz) } : {}),
      ...(this.sdCard ? { search: searchService(ctx, this.sdCard), replay: replayService(ctx, this.sdCard) } : {}),
    };
    this.snapshots = new SnapshotGrabber({
      rtspUrl: (s) => (this.rtsp?.running ? this.rtspUrl(s, true) : undefined),
      size: (s) => this.streams[s],
    });
    const nonces = new NonceCache();
    const routerDeps = {
      services: () => this.services,
      credentials: () => ({ username: this.username, password: this.password }),
      cameraNowMs: () => this.clock.nowMs(),
      maxClockSkewMs: options.maxClockSkewMs ?? 30_000,
      nonces,
      httpAuth: this.httpAuth,
    };
    this.http = new CameraHttpServer({
      faults: () => this.currentFaults,
      soap: (req, pathname, body, signal, after) => routeSoap(routerDeps, req, pathname, body, signal, after),
      snapshot: (req, url) => this.serveSnapshot(req, url),
      control: (method, subPath, body, after) => handleControl(this, method, subPath, body, after),
      isSoapPath,
      snapshotPath: SNAPSHOT_PATH,
      homePage: () => this.homePage(),
    });
  }

  static async start(options: SimulatedCameraOptions): Promise<SimulatedCamera> {
    const camera = new SimulatedCamera(options);
    try {
      if (!camera.currentFaults.offline) await camera.powerOn();
      if (options.discovery !== false) {
        camera.discovery = await DiscoveryResponder.start(
          {
            endpoint: camera.endpoint,
            xaddrs: () => [camera.xaddr],
            scopes: () => camera.scopes(),
            answering: () => !camera.currentFaults.offline && !camera.currentFaults.notOnvif && !camera.stopped,
          },
          { port: options.discovery?.port ?? WS_DISCOVERY_PORT },
        );
      }
    } catch (err) {
      await camera.stop();
      throw err;
    }
    return camera;
  }

  /** Device service address (what discovery reports as XAddrs). */
  get xaddr(): string {
    return `http://${this.host}:${this.httpPort}${SERVICE_PATHS.device}`;
  }

  /** Alias of xaddr. */
  get onvifUrl(): string {
    return this.xaddr;
  }

  get onvifPort(): number {
    return this.httpPort;
  }

  get rtspPort(): number {
    return this.rtspPortNumber;
  }

  get online(): boolean {
    return this.http.listening;
  }

  /** rtsp://host:port/main, with user:password@ when asked (what a client builds for ffmpeg). */
  rtspUrl(stream: StreamName = 'main', withCredentials = false): string {
    const auth = withCredentials ? `${encodeURIComponent(this.username)}:${encodeURIComponent(this.password)}@` : '';
    return `rtsp://${auth}${this.host}:${this.rtspPortNumber}/${stream}`;
  }

  snapshotUrl(stream: StreamName = 'main'): string {
    const profile = PROFILES.find((p) => p.stream === stream) ?? PROFILES[0]!;
    return `http://${this.host}:${this.httpPort}${SNAPSHOT_PATH}?profile=${profile.token}`;
  }

  /** Base URL of this camera's /sim/ control API. */
  get controlUrl(): string {
    return `http://${this.host}:${this.httpPort}/sim`;
  }

  /** PTZ position, move status, presets; undefined for a fixed camera. */
  ptzState(): PtzSnapshot | undefined {
    return this.ptz?.snapshot();
  }

  /** Queues an ONVIF notification for every live pull-point subscription. Lost while offline. */
  emitEvent(event: CameraEventInput): void {
    const message = this.eventSource.message(event, this.clock.nowMs());
    if (!this.currentFaults.offline) this.broker.publish(message);
  }

  faults(): CameraFaults {
    return { ...this.currentFaults, profilesWithoutRtsp: [...this.currentFaults.profilesWithoutRtsp] };
  }

  /** Merges fault switches. offline: true cuts the power, false boots the camera again. */
  setFaults(patch: Partial<CameraFaults>): Promise<CameraFaults> {
    return this.transition(async () => {
      const next = { ...this.currentFaults, ...patch };
      if (next.offline && !this.currentFaults.offline) await this.powerOff();
      if (!next.offline && this.currentFaults.offline) await this.powerOn();
      this.currentFaults = next;
      return this.faults();
    });
  }

  /** Power-cycles: down for rebootMs, then back with subscriptions lost (presets kept). */
  reboot(): Promise<void> {
    return this.transition(async () => {
      if (this.currentFaults.offline) return;
      await this.powerOff();
      await new Promise((resolve) => setTimeout(resolve, this.options.rebootMs ?? 3000));
      if (!this.stopped && !this.currentFaults.offline) await this.powerOn();
    });
  }

  /** Camera clock offset can be changed at run time (e.g. a camera losing NTP). */
  setClockOffset(offsetMs: number): void {
    this.clock.offsetMs = offsetMs;
  }

  state(): CameraState {
    const both = <T>(f: (s: StreamName) => T): Record<StreamName, T> => ({ main: f('main'), sub: f('sub') });
    return {
      name: this.name,
      online: this.online,
      xaddr: this.xaddr,
      rtsp: both((s) => this.rtspUrl(s)),
      snapshot: both((s) => this.snapshotUrl(s)),
      username: this.username,
      faults: this.faults(),
      clockOffsetMs: this.clock.offsetMs,
      subscriptions: this.broker.count(),
      ptz: this.ptzState(),
      rtspPid: this.rtsp?.pid,
      rtspRunning: this.rtsp?.running ?? false,
    };
  }

  /** Stops everything; the RTSP child is gone when this resolves. Idempotent. */
  stop(): Promise<void> {
    this.stopped = true;
    return this.transition(async () => {
      await this.powerOff();
      await this.discovery?.close();
      this.discovery = undefined;
      this.broker.close();
    });
  }

  private transition<T>(step: () => Promise<T>): Promise<T> {
    const run = this.transitions.then(step, step);
    this.transitions = run.catch(() => undefined);
    return run;
  }

  private async powerOn(): Promise<void> {
    if (this.options.rtsp !== false && !this.rtsp?.running) {
      this.rtsp = await RtspServerProcess.start({
        port: this.rtspPortNumber,
        address: this.host,
        name: this.name,
        username: this.username,
        password: this.password,
        main: this.streams.main,
        sub: this.streams.sub,
        auth: this.options.rtspAuth ?? 'digest',
        ...(this.options.videoPattern ? { pattern: this.options.videoPattern } : {}),
        ...(this.sdCard ? { replay: [this.sdCard.token] } : {}),
      });
      this.rtspPortNumber = this.rtsp.port;
      this.watch(this.rtsp);
    }
    if (!this.http.listening) this.httpPort = await this.http.listen(this.httpPort, this.host);
  }

  /**
   * A camera's watchdog restarts its streaming service when it dies (seen here: the
   * GStreamer server exiting after a client vanished mid-setup); the streams come back
   * on the same port, as on a device, instead of staying refused until power-off.
   */
  private watch(proc: RtspServerProcess): void {
    void proc.exited().then((code) => {
      if (this.rtsp !== proc || this.stopped) return; // stopped on purpose
      process.emitWarning(`simulated camera ${this.name}: RTSP server exited (${code}); restarting it`);
      setTimeout(
        () =>
          void this.transition(async () => {
            if (this.rtsp === proc && !this.stopped && !this.currentFaults.offline) await this.powerOn();
          }).catch((err: unknown) =>
            process.emitWarning(`simulated camera ${this.name}: RTSP restart failed: ${String(err)}`),
          ),
        200,
      );
    });
  }

  private async powerOff(): Promise<void> {
    await this.http.close();
    const rtsp = this.rtsp;
    this.rtsp = undefined; // not a crash: the watchdog leaves it down
    await rtsp?.stop();
    this.broker.clear();
    this.ptz?.stop(); // motors stop with the power; the position stays
  }

  private context(): CameraContext {
    const base = (): string => `http://${this.host}:${this.httpPort}`;
    return {
      name: this.name,
      identity: this.identity,
      clock: this.clock,
      streams: this.streams,
      ptz: this.ptz,
      sdCard: this.sdCard,
      broker: this.broker,
      eventSource: this.eventSource,
      urls: {
        service: (name) => `${base()}${SERVICE_PATHS[name]}`,
        stream: (s) => this.rtspUrl(s, this.options.credentialsInUris === true),
        snapshot: (s) =>
          this.options.credentialsInUris
            ? `${this.snapshotUrl(s)}&usr=${encodeURIComponent(this.username)}&pwd=${encodeURIComponent(this.password)}`
            : this.snapshotUrl(s),
        subscription: (id) => `${base()}${SUBSCRIPTION_PATH_PREFIX}${id}`,
        replay: (token) =>
          `rtsp://${this.options.credentialsInUris ? `${encodeURIComponent(this.username)}:${encodeURIComponent(this.password)}@` : ''}` +
          `${this.host}:${this.rtspPortNumber}/replay/${encodeURIComponent(token)}`,
      },
      ports: () => ({ http: this.httpPort, rtsp: this.rtspPortNumber }),
      hasSnapshot: this.options.snapshot !== false,
      scopes: () => this.scopes(),
      faults: () => this.currentFaults,
      reboot: () => void this.reboot().catch(() => undefined),
    };
  }

  scopes(): string[] {
    const o = 'onvif://www.onvif.org';
    return [
      `${o}/type/video_encoder`,
      `${o}/type/Network_Video_Transmitter`,
      ...(this.ptz ? [`${o}/type/ptz`] : []),
      `${o}/Profile/Streaming`,
      ...(this.sdCard ? [`${o}/Profile/G`] : []),
      `${o}/hardware/${encodeURIComponent(this.identity.model)}`,
      `${o}/name/${encodeURIComponent(this.name)}`,
      `${o}/location/${this.options.location ? this.options.location.split('/').map(encodeURIComponent).join('/') : 'country/china'}`,
      ...(this.options.highPosition ? [`${o}/location/height/high`] : []),
    ];
  }

  private async serveSnapshot(req: IncomingMessage, url: URL): Promise<HttpReply> {
    // No endpoint at all: the web server does not know the path, whoever asks.
    if (this.options.snapshot === false)
      return { status: 404, body: 'Not Found', headers: { 'Content-Type': 'text/plain' } };
    const queryLogin =
      this.options.credentialsInUris === true &&
      url.searchParams.get('usr') === this.username &&
      url.searchParams.get('pwd') === this.password;
    if (!queryLogin && !this.httpAuth.verify(req)) {
      return {
        status: 401,
        body: 'Unauthorized',
        headers: { 'WWW-Authenticate': this.httpAuth.challenges(), 'Content-Type': 'text/plain' },
      };
    }
    const profile = PROFILES.find((p) => p.token === (url.searchParams.get('profile') ?? PROFILES[0]!.token));
    if (!profile) return { status: 404, body: 'No such profile', headers: { 'Content-Type': 'text/plain' } };
    if (this.currentFaults.snapshotFails) {
      return { status: 500, body: 'Internal Server Error', headers: { 'Content-Type': 'text/plain' } };
    }
    try {
      const jpeg = await this.snapshots.jpeg(profile.stream);
      return { status: 200, body: jpeg, headers: { 'Content-Type': 'image/jpeg', 'Cache-Control': 'no-cache' } };
    } catch (err) {
      return {
        status: 503,
        body: `Snapshot unavailable: ${err instanceof Error ? err.message : String(err)}`,
        headers: { 'Content-Type': 'text/plain' },
      };
    }
  }

  private homePage(): string {
    const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
    return (
      `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${esc(this.name)}</title></head><body>` +
      `<h1>${esc(this.name)}</h1><p>${esc(this.identity.manufacturer)} ${esc(this.identity.model)} — ${esc(this.identity.firmwareVersion)}</p>` +
      `<p>ONVIF: ${esc(this.xaddr)}</p><ul>${STREAM_NAMES.map((s) => `<li>RTSP ${s}: ${esc(this.rtspUrl(s))}</li>`).join('')}</ul></body></html>`
    );
  }
}
