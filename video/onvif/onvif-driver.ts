// The project's ONVIF driver: the only code that speaks ONVIF to cameras.
//
//   const session = await connectCamera({ host, port, username, password });
//   const d = await session.describe();   // identity, profiles, RTSP URIs, PTZ
//   await session.continuousMove({ x: 0.3 }); await session.stop();
//   await session.close();
//
// Every call has a deadline of its own (timeoutMs, default 5 s): the library's
// connect() can wait forever on answers it does not expect. Failures are
// OnvifErrors with a `kind` (see errors.ts). URIs come back without
// credentials; the caller adds them when it opens the stream.
import { moduleLogger } from '../../server/logger.js';
import { isOnvifError, onvifError, type OnvifErrorContext } from './errors.js';
import { abortInFlight, callCam, createCam, xmlEscape, type CamCallback, type CamHandle } from './library.js';
import { pickStreams, readProfiles, withoutCredentials, type MediaProfileInfo } from './profiles.js';
import { readPtzCapabilities, type PtzCapabilities } from './ptz-capabilities.js';
import { PullPoint } from './pull-point.js';
import { at, attr, date, num, obj, str } from './read.js';

export type { MediaProfileInfo } from './profiles.js';
export type { PtzCapabilities, PtzRange } from './ptz-capabilities.js';

const log = moduleLogger('video/onvif');

export const DEFAULT_TIMEOUT_MS = 5_000;
/** The deadline of connect() counts this many calls: a slow link may need most of timeoutMs for each. */
const CONNECT_STEPS = 3;

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
 * Connects (GetSystemDateAndTime for the clock offset, GetServices, GetProfiles,
 * GetVideoSources) and checks the credentials with GetDeviceInformation. A
 * camera silent for timeoutMs fails with `timeout` after timeoutMs; the whole
 * connect is bounded by 3 × timeoutMs + timeoutMs.
 */
export async function connectCamera(options: ConnectOptions): Promise<CameraSession> {
  const handle = createCam(checkOptions(options));
  handle.cam.on('warning', (warning: unknown) => log.warn({ camera: handle.camera, warning: String(warning) }, 'onvif library warning'));
  try {
    // connect() is four or five requests in a row, each cut by the library's
    // socket timeout (timeoutMs of silence); ours bounds the whole sequence,
    // which the library may never finish.
    await callCam(handle, 'connect', (cb) => handle.cam.connect(cb), handle.timeoutMs * CONNECT_STEPS);
    // With WS-Security a wrong password already fails connect(); this also
    // catches cameras that let GetServices/GetProfiles through unauthenticated.
    await callCam(handle, 'GetDeviceInformation', (cb) => handle.cam.getDeviceInformation(cb));
  } catch (err) {
    abortInFlight(handle);
    throw err;
  }
  return new OnvifCameraSession(handle);
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

  constructor(private readonly handle: CamHandle) {
    this.camera = handle.camera;
  }

  private ctx(operation: string): OnvifErrorContext {
    return { camera: this.camera, operation };
  }

  private call(operation: string, run: (cb: CamCallback) => void, deadlineMs?: number): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error(`ONVIF session to ${this.camera} is closed`));
    return callCam(this.handle, operation, run, deadlineMs).then((answer) => answer.data);
  }

  async describe(): Promise<CameraDescription> {
    const profiles = readProfiles(await this.call('GetProfiles', (cb) => this.handle.cam.getProfiles(cb)));
    const chosen = pickStreams(profiles);
    if (!chosen) throw onvifError('no_rtsp', this.ctx('GetProfiles'), 'the camera has no video profile');

    const [info, main, sub, snapshotUri, ptz, clock] = await Promise.all([
      this.call('GetDeviceInformation', (cb) => this.handle.cam.getDeviceInformation(cb)),
      this.streamUri(chosen.main.token),
      chosen.sub ? this.optionalSubStream(chosen.sub) : Promise.resolve(null),
      this.snapshotUri(chosen.main.token),
      this.ptzCapabilities(profiles),
      this.systemClock(),
    ]);
    return {
      manufacturer: str(at(info, 'manufacturer')) ?? '',
      model: str(at(info, 'model')) ?? '',
      firmware: str(at(info, 'firmwareVersion')) ?? '',
      serial: str(at(info, 'serialNumber')) ?? '',
      hardwareId: str(at(info, 'hardwareId')) ?? '',
      profiles,
      streams: { main, sub },
      snapshotUri,
      ptz,
      clockOffsetMs: clock.clockOffsetMs,
    };
  }

  async streamUri(profileToken: string): Promise<string> {
    const ctx = this.ctx('GetStreamUri');
    let data: unknown;
    try {
      data = await this.call(ctx.operation, (cb) => this.handle.cam.getStreamUri({ protocol: 'RTSP', profileToken: xmlEscape(profileToken) }, cb));
    } catch (err) {
      // A fault here (InvalidStreamSetup, StreamConflict, …) means this profile cannot be had over RTSP.
      if (isOnvifError(err, 'camera_fault') || isOnvifError(err, 'unsupported')) {
        throw onvifError('no_rtsp', ctx, `profile ${profileToken} has no RTSP stream (${err.message})`, { faultCodes: err.faultCodes, cause: err });
      }
      throw err;
    }
    const uri = str(at(data, 'uri'));
    if (!uri || !/^rtsps?:\/\//i.test(uri.trim())) {
      throw onvifError('no_rtsp', ctx, `profile ${profileToken} reports no RTSP URI (${uri ? `got ${withoutCredentials(uri.trim())}` : 'empty'})`);
    }
    return withoutCredentials(uri.trim());
  }

  /** The sub stream is a convenience: without RTSP it is null, the session still works. */
  private async optionalSubStream(profile: MediaProfileInfo): Promise<string | null> {
    try {
      return await this.streamUri(profile.token);
    } catch (err) {
      if (!isOnvifError(err, 'no_rtsp')) throw err;
      log.warn({ camera: this.camera, profile: profile.token, err: err.toJSON() }, 'sub profile has no RTSP stream');
      return null;
    }
  }

  private async snapshotUri(profileToken: string): Promise<string | null> {
    try {
      const data = await this.call('GetSnapshotUri', (cb) => this.handle.cam.getSnapshotUri({ profileToken: xmlEscape(profileToken) }, cb));
      const uri = str(at(data, 'uri'))?.trim();
      return uri ? withoutCredentials(uri) : null;
    } catch (err) {
      // Snapshots are optional in Profile S.
      if (isOnvifError(err, 'camera_fault') || isOnvifError(err, 'unsupported')) return null;
      throw err;
    }
  }

  private async ptzCapabilities(profiles: readonly MediaProfileInfo[]): Promise<PtzCapabilities | null> {
    const profile = profiles.find((p) => p.ptz);
    if (!this.handle.cam.uri?.ptz || !profile) return null;
    const configuration = at(this.rawProfile(profile.token), 'PTZConfiguration');
    let node: unknown;
    try {
      const nodes = obj(await this.call('GetNodes', (cb) => this.handle.cam.getNodes(cb)));
      const nodeToken = str(at(configuration, 'nodeToken'));
      node = (nodeToken !== undefined ? nodes?.[nodeToken] : undefined) ?? Object.values(nodes ?? {})[0];
    } catch (err) {
      // Some heads do not answer GetNodes; the configuration still tells most of it.
      if (!isOnvifError(err, 'camera_fault') && !isOnvifError(err, 'unsupported')) throw err;
      log.warn({ camera: this.camera, err: err.toJSON() }, 'GetNodes failed; PTZ capabilities from the configuration only');
    }
    return readPtzCapabilities(node, configuration);
  }

  private rawProfile(token: string): unknown {
    return (this.handle.cam.profiles ?? []).find((p: unknown) => str(attr(p, 'token')) === token);
  }

  /** The profile PTZ commands name; OnvifError unsupported on a fixed camera. */
  private async ptzProfile(operation: string): Promise<string> {
    if (!this.handle.cam.uri?.ptz) throw onvifError('unsupported', this.ctx(operation), 'the camera has no PTZ service (fixed camera)');
    let profiles = readProfiles(this.handle.cam.profiles);
    if (profiles.length === 0) profiles = readProfiles(await this.call('GetProfiles', (cb) => this.handle.cam.getProfiles(cb)));
    const profile = profiles.find((p) => p.ptz);
    if (!profile) throw onvifError('unsupported', this.ctx(operation), 'no media profile has a PTZ configuration');
    return xmlEscape(profile.token);
  }

  async presets(): Promise<PtzPreset[]> {
    const profileToken = await this.ptzProfile('GetPresets');
    await this.call('GetPresets', (cb) => this.handle.cam.getPresets({ profileToken }, cb));
    // The library's answer is keyed by name (duplicates collapse); cam.presets is keyed by token.
    const byToken: unknown = this.handle.cam.presets;
    return Object.values(obj(byToken) ?? {}).map((p): PtzPreset => {
      const panTilt = at(p, 'PTZPosition', 'panTilt');
      const x = num(attr(panTilt, 'x'));
      const y = num(attr(panTilt, 'y'));
      const zoom = num(attr(at(p, 'PTZPosition', 'zoom'), 'x'));
      const token = str(attr(p, 'token')) ?? '';
      return {
        token,
        name: str(at(p, 'name')) ?? token,
        position: x === undefined && y === undefined && zoom === undefined ? null : { x: x ?? 0, y: y ?? 0, zoom: zoom ?? 0 },
      };
    });
  }

  async gotoPreset(token: string, speed?: PtzSpeed): Promise<void> {
    const profileToken = await this.ptzProfile('GotoPreset');
    const s = speedVector(speed);
    await this.call('GotoPreset', (cb) => this.handle.cam.gotoPreset({ profileToken, preset: xmlEscape(token), ...(s ? { speed: s } : {}) }, cb));
  }

  async setPreset(name: string): Promise<string> {
    const profileToken = await this.ptzProfile('SetPreset');
    // The library hands back the raw xml2js tree here (no linerase): arrays all the way down.
    const data = await this.call('SetPreset', (cb) => this.handle.cam.setPreset({ profileToken, presetName: xmlEscape(name) }, cb));
    const token = str(at(data, 'setPresetResponse', 'presetToken'));
    if (token === undefined) throw onvifError('camera_fault', this.ctx('SetPreset'), 'the answer carries no PresetToken');
    return token;
  }

  async removePreset(token: string): Promise<void> {
    const profileToken = await this.ptzProfile('RemovePreset');
    await this.call('RemovePreset', (cb) => this.handle.cam.removePreset({ profileToken, presetToken: xmlEscape(token) }, cb));
  }

  async gotoHome(speed?: PtzSpeed): Promise<void> {
    const profileToken = await this.ptzProfile('GotoHomePosition');
    const s = speedVector(speed);
    await this.call('GotoHomePosition', (cb) => this.handle.cam.gotoHomePosition({ profileToken, ...(s ? { speed: s } : {}) }, cb));
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
    const options = { profileToken, x: velocity.x ?? 0, y: velocity.y ?? 0, zoom: velocity.zoom ?? 0, ...(timeoutMs ? { timeout: timeoutMs } : {}) };
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
    const options = { profileToken, x: translation.x ?? 0, y: translation.y ?? 0, zoom: translation.zoom ?? 0, ...(s ? { speed: s } : {}) };
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
    const sent = Date.now();
    const data = await this.call('GetSystemDateAndTime', (cb) => this.handle.cam.getSystemDateAndTime(cb));
    const cameraTime = date(data);
    if (!cameraTime) throw onvifError('camera_fault', this.ctx('GetSystemDateAndTime'), 'the answer carries no date');
    const clockOffsetMs = cameraTime.getTime() - (sent + Date.now()) / 2;
    // The library learns the offset once, at connect. A camera whose clock has
    // jumped since (NTP after boot, a reset RTC) would reject our WS-Security
    // stamps as stale: follow the jump.
    const shift = this.handle.cam.timeShift;
    const current = typeof shift === 'number' ? shift + process.uptime() * 1000 - Date.now() : undefined;
    if (current === undefined || Math.abs(current - clockOffsetMs) > 10_000) {
      this.handle.cam.timeShift = cameraTime.getTime() - process.uptime() * 1000 + (Date.now() - sent) / 2;
    }
    return { cameraTime, clockOffsetMs };
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
