// Registration as steps the driver owns, not the library's connect() (which
// never returns on some real cameras' answers, and knows no Media2 stream URIs):
//
//   clock     GetSystemDateAndTime, unauthenticated: the camera's clock offset,
//             so WS-Security stamps are made on its clock
//   services  GetServices, else GetCapabilities: where media / media2 / ptz are
//   identity  GetDeviceInformation: manufacturer, model (and the password check)
//   profiles  Media2 GetProfiles when the device has Media2 (H.265 lives there),
//             with Media1 filling in encoders a Media2 answer leaves out
//   streams   GetStreamUri (Media2, else Media1) for main and sub
//   ptz       configuration, node or configuration options, presets
//   snapshot  GetSnapshotUri (optional)
//
// Each step has its own deadline (the call timeout, and never past the
// inspection's overall budget) and fails with an OnvifError whose `step` says
// which. Service addresses keep their path but take the host and port we
// reached the camera at: cameras behind NAT report their private address.
import { moduleLogger } from '../../platform/logger.js';
import { isOnvifError, onvifError, type OnvifError } from './errors.js';
import { cameraLabel } from './library.js';
import type { CameraDescription, PtzPreset } from './onvif-driver.js';
import { pickStreams, readProfiles, withoutCredentials, type MediaProfileInfo } from './profiles.js';
import { readPtzCapabilities, type PtzCapabilities } from './ptz-capabilities.js';
import { at, attr, list, num, obj, str } from './read.js';
import { NS, SoapClient, xmlText } from './soap-client.js';

const log = moduleLogger('video/onvif/inspection');

export const INSPECTION_STEPS = ['clock', 'services', 'identity', 'profiles', 'streams', 'ptz', 'snapshot'] as const;
export type InspectionStep = (typeof INSPECTION_STEPS)[number];

export interface InspectOptions {
  host: string;
  port: number;
  username: string;
  password: string;
  /** Deadline of each step's call (default 5000 ms). */
  timeoutMs?: number;
  /** Whole inspection (default 3 × timeoutMs): a camera that answers slowly at every step still ends. */
  budgetMs?: number;
  /** Device service path (default /onvif/device_service). */
  devicePath?: string;
}

export interface ServiceAddresses {
  device: string;
  media?: string;
  media2?: string;
  ptz?: string;
  events?: string;
  /** Profile G: recording search and replay (recording control is not used). */
  search?: string;
  replay?: string;
}

/** Profile G as far as we use it: the camera can list its recordings and replay them. */
export function offersProfileG(services: ServiceAddresses): boolean {
  return services.search !== undefined && services.replay !== undefined;
}

export interface CameraInspection extends CameraDescription {
  presets: PtzPreset[];
  /** Which media service the profiles and stream URIs came from. */
  mediaService: 'media2' | 'media1';
  /** How the camera accepted our credentials. */
  authentication: 'ws-security' | 'http-digest';
  services: ServiceAddresses;
  /** How long each step took, ms. */
  timings: Partial<Record<InspectionStep, number>>;
}

/** Our address for a service the camera reported: its path, our host and port. */
export function rebase(reported: string, host: string, port: number): string {
  try {
    const url = new URL(reported);
    return `http://${cameraLabel(host, port)}${url.pathname}${url.search}`;
  } catch {
    return `http://${cameraLabel(host, port)}${reported.startsWith('/') ? reported : `/${reported}`}`;
  }
}

/** A UTCDateTime element (Date {Year, Month, Day}, Time {Hour, Minute, Second}) as a Date. */
export function readCameraTime(systemDateAndTime: unknown): Date | undefined {
  const utc = at(systemDateAndTime, 'UTCDateTime');
  const n = (...keys: string[]): number | undefined => num(at(utc, ...keys));
  const [year, month, day, hour, minute, second] = [
    n('date', 'year'),
    n('date', 'month'),
    n('date', 'day'),
    n('time', 'hour'),
    n('time', 'minute'),
    n('time', 'second'),
  ];
  if (
    year === undefined ||
    month === undefined ||
    day === undefined ||
    hour === undefined ||
    minute === undefined ||
    second === undefined
  )
    return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}

/** Service addresses from GetServices (namespace → XAddr). */
export function readServices(answer: unknown, host: string, port: number, device: string): ServiceAddresses {
  const out: ServiceAddresses = { device };
  for (const s of list(at(answer, 'service'))) {
    const ns = str(at(s, 'namespace'))?.trim();
    const xaddr = str(at(s, 'XAddr'))?.trim();
    if (!ns || !xaddr) continue;
    const mine = rebase(xaddr, host, port);
    if (ns === NS.media) out.media = mine;
    else if (ns === NS.media2) out.media2 = mine;
    else if (ns === NS.ptz) out.ptz = mine;
    else if (ns === NS.events) out.events = mine;
    else if (ns === NS.search) out.search = mine;
    else if (ns === NS.replay) out.replay = mine;
  }
  return out;
}

/** Service addresses from GetCapabilities (Media2 is not in it on most firmwares). */
export function readCapabilities(answer: unknown, host: string, port: number, device: string): ServiceAddresses {
  const caps = at(answer, 'capabilities');
  const xaddr = (...keys: string[]): string | undefined => {
    const v = str(at(caps, ...keys, 'XAddr'))?.trim();
    return v ? rebase(v, host, port) : undefined;
  };
  const out: ServiceAddresses = { device };
  const media = xaddr('media');
  const ptz = xaddr('PTZ');
  const events = xaddr('events');
  const media2 = xaddr('extension', 'media2');
  const search = xaddr('extension', 'search');
  const replay = xaddr('extension', 'replay');
  if (search) out.search = search;
  if (replay) out.replay = replay;
  if (media) out.media = media;
  if (ptz) out.ptz = ptz;
  if (events) out.events = events;
  if (media2) out.media2 = media2;
  return out;
}

/** Video profiles of a Media2 GetProfiles answer (Configurations/VideoEncoder, Configurations/PTZ). */
export function readMedia2Profiles(
  answer: unknown,
): Array<Partial<MediaProfileInfo> & { token: string; name: string }> {
  const out: Array<Partial<MediaProfileInfo> & { token: string; name: string }> = [];
  for (const p of list(at(answer, 'profiles'))) {
    const token = str(attr(p, 'token'));
    if (token === undefined) continue;
    const encoder = at(p, 'configurations', 'videoEncoder');
    const width = num(at(encoder, 'resolution', 'width'));
    const height = num(at(encoder, 'resolution', 'height'));
    const encoding = str(at(encoder, 'encoding'));
    const fps = num(at(encoder, 'rateControl', 'frameRateLimit'));
    out.push({
      token,
      name: str(at(p, 'name')) ?? token,
      ...(width !== undefined && height !== undefined ? { width, height } : {}),
      ...(encoding !== undefined ? { encoding } : {}),
      ...(fps !== undefined ? { fps } : {}),
      ...(at(p, 'configurations', 'PTZ') !== undefined ? { ptz: true } : {}),
    });
  }
  return out;
}

/** Media2 profiles completed by Media1's (same tokens) where Media2 left out the encoder. */
export function mergeProfiles(
  media2: ReturnType<typeof readMedia2Profiles>,
  media1: readonly MediaProfileInfo[],
): MediaProfileInfo[] {
  const out: MediaProfileInfo[] = [];
  for (const p of media2) {
    const m1 = media1.find((m) => m.token === p.token);
    const width = p.width ?? m1?.width;
    const height = p.height ?? m1?.height;
    if (width === undefined || height === undefined) continue; // audio-only or metadata profile
    out.push({
      token: p.token,
      name: p.name,
      width,
      height,
      encoding: p.encoding ?? m1?.encoding ?? 'unknown',
      fps: p.fps ?? m1?.fps ?? null,
      ptz: p.ptz ?? m1?.ptz ?? false,
    });
  }
  return out;
}

export function readPresets(answer: unknown): PtzPreset[] {
  return list(at(answer, 'preset')).map((p): PtzPreset => {
    const panTilt = at(p, 'PTZPosition', 'panTilt');
    const x = num(attr(panTilt, 'x'));
    const y = num(attr(panTilt, 'y'));
    const zoom = num(attr(at(p, 'PTZPosition', 'zoom'), 'x'));
    const token = str(attr(p, 'token')) ?? '';
    return {
      token,
      name: str(at(p, 'name')) ?? token,
      position:
        x === undefined && y === undefined && zoom === undefined ? null : { x: x ?? 0, y: y ?? 0, zoom: zoom ?? 0 },
    };
  });
}

const isOptionalFailure = (err: unknown): err is OnvifError =>
  isOnvifError(err, 'unsupported') || isOnvifError(err, 'camera_fault');

/** An opened camera: our SOAP client on its clock, and where its services are. */
export interface CameraLink {
  readonly client: SoapClient;
  readonly services: ServiceAddresses;
  readonly timeoutMs: number;
  /** The GetDeviceInformation answer. */
  readonly info: unknown;
  clockOffsetMs: number;
}

export type MediaService = 'media2' | 'media1';

/**
 * The driver's steps on one camera. One instance per operation (registration,
 * one session call): its budget bounds the operation, each call's deadline
 * is the call timeout.
 */
export class CameraSteps {
  private readonly timeoutMs: number;
  private readonly endsAt: number;
  readonly timings: Partial<Record<InspectionStep, number>> = {};

  constructor(
    private readonly client: SoapClient,
    timeoutMs: number,
    budgetMs = 3 * timeoutMs,
  ) {
    this.timeoutMs = timeoutMs;
    this.endsAt = Date.now() + budgetMs;
  }

  call(xaddr: string, ns: string, operation: string, inner = '', auth = true): Promise<unknown> {
    const deadlineMs = Math.max(1, Math.min(this.timeoutMs, this.endsAt - Date.now()));
    return this.client.call(
      xaddr,
      operation,
      `<m:${operation} xmlns:m="${ns}" xmlns:tt="${NS.schema}">${inner}</m:${operation}>`,
      { deadlineMs, auth },
    );
  }

  /** Runs work as one named step: timed, and its OnvifError marked with the step. */
  async run<T>(step: InspectionStep, work: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      return await work();
    } catch (err) {
      // A reader meeting an answer shaped unlike any we know must not become a 500
      // or an exception text on an installer's screen: it is the camera's odd answer.
      const failure = isOnvifError(err)
        ? err
        : onvifError(
            'camera_fault',
            { camera: this.client.camera, operation: step },
            'an answer the driver cannot read',
            { cause: err },
          );
      if (!isOnvifError(err))
        log.warn({ camera: this.client.camera, step, err }, 'unexpected failure reading a camera answer');
      failure.step ??= step;
      throw failure;
    } finally {
      this.timings[step] = Date.now() - started;
    }
  }

  /** clock → services → identity. */
  async open(host: string, port: number, devicePath = '/onvif/device_service'): Promise<CameraLink> {
    const device = `http://${cameraLabel(host, port)}${devicePath}`;
    const clockOffsetMs = await this.run('clock', () => this.clock(device));
    this.client.clockOffsetMs = clockOffsetMs;
    const services = await this.run('services', async () => {
      try {
        return readServices(
          await this.call(device, NS.device, 'GetServices', '<m:IncludeCapability>false</m:IncludeCapability>'),
          host,
          port,
          device,
        );
      } catch (err) {
        if (!isOptionalFailure(err)) throw err;
        return readCapabilities(
          await this.call(device, NS.device, 'GetCapabilities', '<m:Category>All</m:Category>'),
          host,
          port,
          device,
        );
      }
    });
    const info = await this.run('identity', () => this.call(device, NS.device, 'GetDeviceInformation'));
    return { client: this.client, services, timeoutMs: this.timeoutMs, info, clockOffsetMs };
  }

  /** profiles → streams → PTZ → snapshot, on an opened camera. */
  async describe(link: CameraLink): Promise<CameraInspection> {
    const { services, info } = link;
    const { profiles, mediaService } = await this.run('profiles', () => this.profiles(services));
    const chosen = pickStreams(profiles);
    if (!chosen)
      throw onvifError(
        'no_rtsp',
        { camera: this.client.camera, operation: 'GetProfiles' },
        'the camera has no video profile',
      );

    // Independent of each other once the profiles are known: asked together, so a
    // camera answering each call in half a second still registers within 5 s.
    const [streams, { ptz, presets }, snapshotUri] = await Promise.all([
      this.run('streams', async () => {
        const [main, sub] = await Promise.all([
          this.streamUri(services, mediaService, chosen.main.token),
          chosen.sub
            ? this.streamUri(services, mediaService, chosen.sub.token).catch((err: unknown) => {
                if (!isOnvifError(err, 'no_rtsp')) throw err;
                log.warn({ camera: this.client.camera, profile: chosen.sub!.token }, 'sub profile has no RTSP stream');
                return null;
              })
            : null,
        ]);
        return { main, sub };
      }),
      this.run('ptz', () => this.ptz(services, profiles)),
      this.run('snapshot', () => this.snapshotUri(services, mediaService, chosen.main.token)),
    ]);

    return {
      manufacturer: str(at(info, 'manufacturer'))?.trim() ?? '',
      model: str(at(info, 'model'))?.trim() ?? '',
      firmware: str(at(info, 'firmwareVersion'))?.trim() ?? '',
      serial: str(at(info, 'serialNumber'))?.trim() ?? '',
      hardwareId: str(at(info, 'hardwareId'))?.trim() ?? '',
      profiles,
      streams,
      snapshotUri,
      ptz,
      presets,
      clockOffsetMs: link.clockOffsetMs,
      profileG: offersProfileG(services),
      mediaService,
      authentication: this.client.usesHttpDigest ? 'http-digest' : 'ws-security',
      services,
      timings: this.timings,
    };
  }

  /** Camera clock minus ours. A camera that wants credentials even for this gets them (its clock is then unknown: 0). */
  async clock(device: string): Promise<number> {
    const sent = Date.now();
    let answer: unknown;
    try {
      answer = await this.call(device, NS.device, 'GetSystemDateAndTime', '', false);
    } catch (err) {
      if (!isOnvifError(err, 'auth_failed')) throw err;
      answer = await this.call(device, NS.device, 'GetSystemDateAndTime', '', true);
    }
    const cameraTime = readCameraTime(at(answer, 'systemDateAndTime'));
    if (!cameraTime) {
      log.warn(
        { camera: this.client.camera },
        'GetSystemDateAndTime carries no UTC time; assuming the camera clock is right',
      );
      return 0;
    }
    return cameraTime.getTime() - (sent + Date.now()) / 2;
  }

  async profiles(services: ServiceAddresses): Promise<{ profiles: MediaProfileInfo[]; mediaService: MediaService }> {
    const media1 = async (): Promise<MediaProfileInfo[]> =>
      services.media ? readProfiles(at(await this.call(services.media, NS.media, 'GetProfiles'), 'profiles')) : [];
    if (services.media2) {
      try {
        const m2 = readMedia2Profiles(
          await this.call(services.media2, NS.media2, 'GetProfiles', '<m:Type>All</m:Type>'),
        );
        const complete = m2.length > 0 && m2.every((p) => p.width !== undefined && p.encoding !== undefined);
        const profiles = mergeProfiles(
          m2,
          complete ? [] : await media1().catch((err: unknown) => (isOptionalFailure(err) ? [] : Promise.reject(err))),
        );
        if (profiles.length > 0) return { profiles, mediaService: 'media2' };
      } catch (err) {
        if (!isOptionalFailure(err)) throw err;
        log.warn({ camera: this.client.camera, err: err.toJSON() }, 'Media2 GetProfiles failed; using Media1');
      }
    }
    if (!services.media)
      throw onvifError(
        'no_rtsp',
        { camera: this.client.camera, operation: 'GetProfiles' },
        'the camera reports no media service',
      );
    return { profiles: await media1(), mediaService: 'media1' };
  }

  async streamUri(services: ServiceAddresses, mediaService: MediaService, token: string): Promise<string> {
    const ctx = { camera: this.client.camera, operation: 'GetStreamUri' };
    const attempts: Array<() => Promise<string | undefined>> = [];
    if (mediaService === 'media2' && services.media2) {
      const media2 = services.media2;
      attempts.push(async () =>
        str(
          at(
            await this.call(
              media2,
              NS.media2,
              'GetStreamUri',
              `<m:Protocol>RTSP</m:Protocol><m:ProfileToken>${xmlText(token)}</m:ProfileToken>`,
            ),
            'uri',
          ),
        ),
      );
    }
    if (services.media) {
      const media = services.media;
      const setup =
        '<m:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></m:StreamSetup>';
      attempts.push(async () =>
        str(
          at(
            await this.call(
              media,
              NS.media,
              'GetStreamUri',
              `${setup}<m:ProfileToken>${xmlText(token)}</m:ProfileToken>`,
            ),
            'mediaUri',
            'uri',
          ),
        ),
      );
    }
    let why = 'the camera has no media service to ask';
    let last: OnvifError | undefined;
    for (const attempt of attempts) {
      try {
        const uri = (await attempt())?.trim();
        if (uri && /^rtsps?:\/\//i.test(uri)) return withoutCredentials(uri);
        why = uri ? `it reports ${withoutCredentials(uri)}, not an rtsp:// address` : 'it reports an empty address';
      } catch (err) {
        if (!isOptionalFailure(err)) throw err;
        last = err;
        why = err.message;
      }
    }
    throw onvifError(
      'no_rtsp',
      ctx,
      `profile ${token} has no RTSP stream (${why})`,
      last ? { faultCodes: last.faultCodes, cause: last } : {},
    );
  }

  private async ptz(
    services: ServiceAddresses,
    profiles: readonly MediaProfileInfo[],
  ): Promise<{ ptz: PtzCapabilities | null; presets: PtzPreset[] }> {
    const profile = profiles.find((p) => p.ptz);
    if (!services.ptz || !profile) return { ptz: null, presets: [] };
    const ptzService = services.ptz;
    const optional = async <T>(what: string, work: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await work();
      } catch (err) {
        if (!isOptionalFailure(err)) throw err;
        log.debug({ camera: this.client.camera, what, err: err.toJSON() }, 'optional PTZ call failed');
        return undefined;
      }
    };
    const [configurationsAnswer, nodesAnswer, presetsFound] = await Promise.all([
      optional('GetConfigurations', () => this.call(ptzService, NS.ptz, 'GetConfigurations')),
      optional('GetNodes', () => this.call(ptzService, NS.ptz, 'GetNodes')),
      optional('GetPresets', () => this.presets(ptzService, profile.token)),
    ]);
    const presets = presetsFound ?? [];
    const configuration = list(at(configurationsAnswer, 'PTZConfiguration'))[0];
    const nodeToken = str(at(configuration, 'nodeToken'));
    const nodes = list(at(nodesAnswer, 'PTZNode'));
    let node: unknown = nodes.find((n) => str(attr(n, 'token')) === nodeToken) ?? nodes[0];
    const configurationToken = str(attr(configuration, 'token'));
    if (node === undefined && configurationToken !== undefined) {
      const options = await optional('GetConfigurationOptions', () =>
        this.call(
          ptzService,
          NS.ptz,
          'GetConfigurationOptions',
          `<m:ConfigurationToken>${xmlText(configurationToken)}</m:ConfigurationToken>`,
        ),
      );
      const spaces = at(options, 'PTZConfigurationOptions', 'spaces');
      if (obj(spaces)) node = { supportedPTZSpaces: spaces };
    }
    const capabilities = readPtzCapabilities(node, configuration);
    if (presets.length > 0 && !capabilities.presetsSupported) capabilities.presetsSupported = true;
    return { ptz: capabilities, presets };
  }

  async presets(ptzService: string, profileToken: string): Promise<PtzPreset[]> {
    return readPresets(
      await this.call(ptzService, NS.ptz, 'GetPresets', `<m:ProfileToken>${xmlText(profileToken)}</m:ProfileToken>`),
    );
  }

  private async snapshotUri(
    services: ServiceAddresses,
    mediaService: 'media2' | 'media1',
    token: string,
  ): Promise<string | null> {
    const body = `<m:ProfileToken>${xmlText(token)}</m:ProfileToken>`;
    const tries: Array<() => Promise<unknown>> = [];
    if (mediaService === 'media2' && services.media2)
      tries.push(() => this.call(services.media2!, NS.media2, 'GetSnapshotUri', body).then((a) => at(a, 'uri')));
    if (services.media)
      tries.push(() =>
        this.call(services.media!, NS.media, 'GetSnapshotUri', body).then((a) => at(a, 'mediaUri', 'uri')),
      );
    for (const attempt of tries) {
      try {
        const uri = str(await attempt())?.trim();
        if (uri && /^https?:\/\//i.test(uri)) return withoutCredentials(uri);
      } catch (err) {
        // Snapshots are optional in Profile S; a frame is grabbed from the stream instead.
        if (!isOptionalFailure(err)) throw err;
      }
    }
    return null;
  }
}

export function newClient(o: Pick<InspectOptions, 'host' | 'port' | 'username' | 'password'>): SoapClient {
  return new SoapClient(cameraLabel(o.host, o.port), { username: o.username, password: o.password });
}

/** Reads what a camera is and what it can do, step by step; see the header. */
export async function inspectCamera(o: InspectOptions): Promise<CameraInspection> {
  const steps = new CameraSteps(newClient(o), o.timeoutMs ?? 5_000, o.budgetMs);
  return steps.describe(await steps.open(o.host, o.port, o.devicePath));
}
