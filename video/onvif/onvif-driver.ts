// The project's ONVIF driver: the only code that speaks ONVIF to cameras.
//
//   const session = await connectCamera({ host, port, username, password });
//   const d = await session.describe();   // identity, profiles, RTSP URIs, PTZ
//   await session.continuousMove({ x: 0.3 }); await session.stop();
//   await session.close();
//
// Every call has a deadline of its own (timeoutMs, default 5 s). Connecting,
// describing, stream URIs, presets and the clock go through the driver's own
// steps and SOAP client (camera-inspection.ts, soap-client.ts); PTZ moves and
// events still use the `onvif` library, handed the service addresses and the
// camera clock those steps learnt (its connect() is never called). Failures are
// OnvifErrors with a `kind` (see errors.ts). URIs come back without
// credentials; the caller adds them when it opens the stream.
import { moduleLogger } from '../../platform/logger.js';
import { onvifError, type OnvifErrorContext } from './errors.js';
import { CameraSteps, newClient, type CameraLink, type MediaService } from './camera-inspection.js';
import {
  abortInFlight,
  adoptServices,
  callCam,
  createCam,
  setLibraryClockOffset,
  xmlEscape,
  type CamCallback,
  type CamHandle,
} from './library.js';
import type { MediaProfileInfo } from './profiles.js';
import type { PtzCapabilities } from './ptz-capabilities.js';
import { PullPoint } from './pull-point.js';
import {
  findRecordings,
  recordedSpans,
  replayUri,
  type OnCameraRecording,
  type OnCameraSpan,
} from './recording-search.js';
import { at, date, num, obj, str } from './read.js';

export type { MediaProfileInfo } from './profiles.js';
export type { PtzCapabilities, PtzRange } from './ptz-capabilities.js';
export type { OnCameraRecording, OnCameraSpan } from './recording-search.js';

const log = moduleLogger('video/onvif');

export const DEFAULT_TIMEOUT_MS = 5_000;

export interface ConnectOptions {
  host: string;
  /** ONVIF (HTTP) port; default 80. */
  port?: number;
  username: string;
  password: string;
  /** Deadline of each camera call; default 5000 ms. */
  timeoutMs?: number;
}

export interface CameraDescription {
  manufacturer: string;
  model: string;
  firmware: string;
  serial: string;
  hardwareId: string;
  /** Video profiles, in the camera's order. */
  profiles: MediaProfileInfo[];
  /** RTSP URIs without credentials: main = highest resolution, sub = lowest (null with one profile, or when it has no RTSP). */
  streams: { main: string; sub: string | null };
  /** JPEG snapshot URI of the main profile, without credentials; null when the camera has none. */
  snapshotUri: string | null;
  /** null for a fixed camera. */
  ptz: PtzCapabilities | null;
  /** Camera clock minus ours, ms (resolution about 1 s: cameras report whole seconds). */
  clockOffsetMs: number;
  /** Recording search and replay services (Profile G): recordings on the camera can be listed and played. */
  profileG: boolean;
}

/** What the camera keeps itself (Profile G), on our clock. */
export interface OnCameraRecordings {
  recordings: OnCameraRecording[];
  spans: OnCameraSpan[];
  /** Camera clock minus ours when asked, ms. */
  clockOffsetMs: number;
}

/** Pan, tilt, zoom. Positions and velocities in the camera's generic spaces (pan/tilt -1…1, zoom 0…1). */
export interface PtzVector {
  x?: number;
  y?: number;
  zoom?: number;
}

/** One speed (0…1) for every axis, or one per axis. */
export type PtzSpeed = number | PtzVector;

export interface PtzPreset {
  token: string;
  name: string;
  position: { x: number; y: number; zoom: number } | null;
}

export interface PtzStatus {
  x: number;
  y: number;
  zoom: number;
  moving: boolean;
  /** The camera's UtcTime of the status, on the camera's clock; null when not reported. */
  utc: Date | null;
}

export interface SystemClock {
  /** The camera's idea of now. */
  cameraTime: Date;
  /** cameraTime minus our clock, ms (±1 s). */
  clockOffsetMs: number;
}

export interface CameraSession {
  /** host:port, without credentials. */
  readonly camera: string;
  describe(): Promise<CameraDescription>;
  /** RTSP URI of one profile, without credentials; OnvifError no_rtsp when it has none. */
  streamUri(profileToken: string): Promise<string>;
  presets(): Promise<PtzPreset[]>;
  gotoPreset(token: string, speed?: PtzSpeed): Promise<void>;
  /** Stores the current position; returns the new preset's token. */
  setPreset(name: string): Promise<string>;
  removePreset(token: string): Promise<void>;
  gotoHome(speed?: PtzSpeed): Promise<void>;
  setHome(): Promise<void>;
  /** Velocities -1…1; the camera stops by itself after timeoutMs (else after its default PTZ timeout). */
  continuousMove(velocity: PtzVector, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
  /** Give x and y together, zoom alone, or all three; axes left out keep their position. */
  absoluteMove(position: PtzVector, speed?: PtzSpeed): Promise<void>;
  relativeMove(translation: PtzVector, speed?: PtzSpeed): Promise<void>;
  status(): Promise<PtzStatus>;
  /** GetSystemDateAndTime: answered without credentials, a cheap liveness check. */
  systemClock(): Promise<SystemClock>;
  /** Recordings on the camera and their spans within [from, to) (our clock); OnvifError unsupported without Profile G. */
  recordings(from: Date, to: Date): Promise<OnCameraRecordings>;
  /** RTSP URI replaying one recording, without credentials; the start goes in its query (see replayAt()). */
  replayUri(recordingToken: string): Promise<string>;
  /** Subscribes a pull point on this session (used by event-subscriber.ts). */
  createPullPoint(): Promise<PullPoint>;
  /** Cuts every pending call of this session at once; the session stays usable. */
  abortInFlight(): void;
  close(): Promise<void>;
}

function checkOptions(options: ConnectOptions): Required<ConnectOptions> {
  const port = options.port ?? 80;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!options.host) throw new TypeError('connectCamera: host is required');
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TypeError(`connectCamera: bad port ${port}`);
  if (!(timeoutMs > 0)) throw new TypeError(`connectCamera: bad timeoutMs ${timeoutMs}`);
  return { host: options.host, port, username: options.username, password: options.password, timeoutMs };
}

/**
 * Connects with the driver's own steps (GetSystemDateAndTime for the clock
 * offset, GetServices or GetCapabilities, GetDeviceInformation to check the
 * credentials), each with its own deadline, the whole bounded by 3 × timeoutMs;
 * not the library's connect(), which can wait forever on real cameras' answers.
 */
export async function connectCamera(options: ConnectOptions): Promise<CameraSession> {
  const o = checkOptions(options);
  const link = await new CameraSteps(newClient(o), o.timeoutMs).open(o.host, o.port);
  const handle = createCam(o);
  handle.cam.on('warning', (warning: unknown) =>
    log.warn({ camera: handle.camera, warning: String(warning) }, 'onvif library warning'),
  );
  adoptServices(handle, { ...link.services }, link.clockOffsetMs);
  return new OnvifCameraSession(handle, link);
}

function finite(value: number | undefined, what: string): void {
  if (value !== undefined && !Number.isFinite(value)) throw new TypeError(`${what} must be a finite number`);
}

function checkVector(v: PtzVector, what: string): void {
  finite(v.x, `${what}.x`);
  finite(v.y, `${what}.y`);
  finite(v.zoom, `${what}.zoom`);
}

/** The library writes PanTilt only with both x and y, Zoom only when given. */
function speedVector(speed: PtzSpeed | undefined): { x: number; y: number; zoom: number } | undefined {
  if (speed === undefined) return undefined;
  const s = typeof speed === 'number' ? { x: speed, y: speed, zoom: speed } : speed;
  checkVector(s, 'speed');
  return { x: s.x ?? 1, y: s.y ?? 1, zoom: s.zoom ?? 1 };
}

class OnvifCameraSession implements CameraSession {
  readonly camera: string;
  private closed = false;
  private profiles: MediaProfileInfo[] | undefined;

  constructor(
    private readonly handle: CamHandle,
    private readonly link: CameraLink,
  ) {
    this.camera = handle.camera;
  }

  private ctx(operation: string): OnvifErrorContext {
    return { camera: this.camera, operation };
  }

  private call(operation: string, run: (cb: CamCallback) => void, deadlineMs?: number): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error(`ONVIF session to ${this.camera} is closed`));
    return callCam(this.handle, operation, run, deadlineMs).then((answer) => answer.data);
  }

  /** Our own steps for one session call (its own budget). */
  private steps(): CameraSteps {
    if (this.closed) throw new Error(`ONVIF session to ${this.camera} is closed`);
    return new CameraSteps(this.link.client, this.link.timeoutMs);
  }

  private get mediaService(): MediaService {
    return this.link.services.media2 ? 'media2' : 'media1';
  }

  async describe(): Promise<CameraDescription> {
    const d = await this.steps().describe(this.link);
    this.profiles = d.profiles;
    return d;
  }

  async streamUri(profileToken: string): Promise<string> {
    return this.steps().streamUri(this.link.services, this.mediaService, profileToken);
  }

  /** The profile PTZ commands name; OnvifError unsupported on a fixed camera. */
  private async ptzProfile(operation: string): Promise<string> {
    if (!this.link.services.ptz)
      throw onvifError('unsupported', this.ctx(operation), 'the camera has no PTZ service (fixed camera)');
    this.profiles ??= (await this.steps().profiles(this.link.services)).profiles;
    const profile = this.profiles.find((p) => p.ptz);
    if (!profile) throw onvifError('unsupported', this.ctx(operation), 'no media profile has a PTZ configuration');
    return xmlEscape(profile.token);
  }

  async presets(): Promise<PtzPreset[]> {
    if (!this.link.services.ptz)
      throw onvifError('unsupported', this.ctx('GetPresets'), 'the camera has no PTZ service (fixed camera)');
    const ptz = this.link.services.ptz;
    await this.ptzProfile('GetPresets');
    const token = this.profiles!.find((p) => p.ptz)!.token;
    return this.steps().presets(ptz, token);
  }

  async gotoPreset(token: string, speed?: PtzSpeed): Promise<void> {
    const profileToken = await this.ptzProfile('GotoPreset');
    const s = speedVector(speed);
    await this.call('GotoPreset', (cb) =>
      this.handle.cam.gotoPreset({ profileToken, preset: xmlEscape(token), ...(s ? { speed: s } : {}) }, cb),
    );
  }

  async setPreset(name: string): Promise<string> {
    const profileToken = await this.ptzProfile('SetPreset');
    // The library hands back the raw xml2js tree here (no linerase): arrays all the way down.
    const data = await this.call('SetPreset', (cb) =>
      this.handle.cam.setPreset({ profileToken, presetName: xmlEscape(name) }, cb),
    );
    const token = str(at(data, 'setPresetResponse', 'presetToken'));
    if (token === undefined)
      throw onvifError('camera_fault', this.ctx('SetPreset'), 'the answer carries no PresetToken');
    return token;
  }

  async removePreset(token: string): Promise<void> {
    const profileToken = await this.ptzProfile('RemovePreset');
    await this.call('RemovePreset', (cb) =>
      this.handle.cam.removePreset({ profileToken, presetToken: xmlEscape(token) }, cb),
    );
  }

  async gotoHome(speed?: PtzSpeed): Promise<void> {
    const profileToken = await this.ptzProfile('GotoHomePosition');
    const s = speedVector(speed);
    await this.call('GotoHomePosition', (cb) =>
      this.handle.cam.gotoHomePosition({ profileToken, ...(s ? { speed: s } : {}) }, cb),
    );
  }

  async setHome(): Promise<void> {
    const profileToken = await this.ptzProfile('SetHomePosition');
    await this.call('SetHomePosition', (cb) => this.handle.cam.setHomePosition({ profileToken }, cb));
  }

  async continuousMove(velocity: PtzVector, timeoutMs?: number): Promise<void> {
    checkVector(velocity, 'velocity');
    if (timeoutMs !== undefined && !(timeoutMs > 0)) throw new TypeError('continuousMove: timeoutMs must be positive');
    const profileToken = await this.ptzProfile('ContinuousMove');
    // An axis left out has velocity 0 (the library writes 0 for it).
    const options = {
      profileToken,
      x: velocity.x ?? 0,
      y: velocity.y ?? 0,
      zoom: velocity.zoom ?? 0,
      ...(timeoutMs ? { timeout: timeoutMs } : {}),
    };
    await this.call('ContinuousMove', (cb) => this.handle.cam.continuousMove(options, cb));
  }

  async stop(): Promise<void> {
    const profileToken = await this.ptzProfile('Stop');
    await this.call('Stop', (cb) => this.handle.cam.stop({ profileToken, panTilt: true, zoom: true }, cb));
  }

  async absoluteMove(position: PtzVector, speed?: PtzSpeed): Promise<void> {
    checkVector(position, 'position');
    const panTilt = position.x !== undefined || position.y !== undefined;
    if (panTilt && (position.x === undefined || position.y === undefined)) {
      throw new TypeError('absoluteMove: give x and y together (a camera moves pan and tilt as one position)');
    }
    if (!panTilt && position.zoom === undefined) throw new TypeError('absoluteMove: no axis given');
    const profileToken = await this.ptzProfile('AbsoluteMove');
    const s = speedVector(speed);
    // The library would write 0 for an axis left out, i.e. move it to 0: send only the given ones.
    const options = {
      profileToken,
      x: position.x ?? 0,
      y: position.y ?? 0,
      zoom: position.zoom ?? 0,
      ...(position.zoom === undefined ? { onlySendPanTilt: true } : {}),
      ...(!panTilt ? { onlySendZoom: true } : {}),
      ...(s ? { speed: s } : {}),
    };
    await this.call('AbsoluteMove', (cb) => this.handle.cam.absoluteMove(options, cb));
  }

  async relativeMove(translation: PtzVector, speed?: PtzSpeed): Promise<void> {
    checkVector(translation, 'translation');
    const profileToken = await this.ptzProfile('RelativeMove');
    const s = speedVector(speed);
    const options = {
      profileToken,
      x: translation.x ?? 0,
      y: translation.y ?? 0,
      zoom: translation.zoom ?? 0,
      ...(s ? { speed: s } : {}),
    };
    await this.call('RelativeMove', (cb) => this.handle.cam.relativeMove(options, cb));
  }

  async status(): Promise<PtzStatus> {
    const profileToken = await this.ptzProfile('GetStatus');
    const data = await this.call('GetStatus', (cb) => this.handle.cam.getStatus({ profileToken }, cb));
    const moveStatus = at(data, 'moveStatus');
    // MoveStatus is { PanTilt, Zoom } on most cameras, a bare string on a few.
    const states = obj(moveStatus) ? Object.values(obj(moveStatus)!).map(str) : [str(moveStatus)];
    return {
      x: num(at(data, 'position', 'x')) ?? 0,
      y: num(at(data, 'position', 'y')) ?? 0,
      zoom: num(at(data, 'position', 'zoom')) ?? 0,
      moving: states.some((s) => s?.toUpperCase() === 'MOVING'),
      utc: date(at(data, 'utcTime')) ?? null,
    };
  }

  async systemClock(): Promise<SystemClock> {
    const clockOffsetMs = await this.steps().clock(this.link.services.device);
    // A camera whose clock has jumped since (NTP after boot, a reset RTC) would
    // reject WS-Security stamps made on the old offset: follow the jump.
    this.link.clockOffsetMs = clockOffsetMs;
    this.link.client.clockOffsetMs = clockOffsetMs;
    setLibraryClockOffset(this.handle, clockOffsetMs);
    return { cameraTime: new Date(Date.now() + clockOffsetMs), clockOffsetMs };
  }

  private searchService(operation: string): string {
    const { search, replay } = this.link.services;
    if (!search || !replay)
      throw onvifError(
        'unsupported',
        this.ctx(operation),
        'the camera has no recording search or replay service (Profile G)',
      );
    return search;
  }

  async recordings(from: Date, to: Date): Promise<OnCameraRecordings> {
    const search = this.searchService('FindRecordings');
    const offset = this.link.clockOffsetMs;
    const shift = (d: Date, by: number) => new Date(d.getTime() + by);
    // One budget for the whole search: a listing is several calls in a row.
    const steps = new CameraSteps(this.link.client, this.link.timeoutMs, 2 * this.link.timeoutMs);
    const found = await findRecordings(steps, search, this.camera);
    const spans = await recordedSpans(steps, search, this.camera, found, shift(from, offset), shift(to, offset));
    return {
      recordings: found.map((r) => ({
        ...r,
        earliest: r.earliest && shift(r.earliest, -offset),
        latest: r.latest && shift(r.latest, -offset),
      })),
      spans: spans.map((s) => ({ ...s, from: shift(s.from, -offset), to: shift(s.to, -offset) })),
      clockOffsetMs: offset,
    };
  }

  async replayUri(recordingToken: string): Promise<string> {
    this.searchService('GetReplayUri');
    return replayUri(this.steps(), this.link.services.replay!, this.camera, recordingToken);
  }

  createPullPoint(): Promise<PullPoint> {
    if (this.closed) return Promise.reject(new Error(`ONVIF session to ${this.camera} is closed`));
    return PullPoint.create(this.handle);
  }

  abortInFlight(): void {
    abortInFlight(this.handle);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    abortInFlight(this.handle);
  }
}
