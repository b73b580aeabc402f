// A thin, typed, promise-based wrapper over the real `onvif` npm client (the
// one the product uses), with a deadline on every call: the library can wait
// forever on an answer it does not expect, and a test must fail instead.
// (onvif/promises exists, but its typings drop the arguments of overloaded methods.)
import onvif from 'onvif';
import type { Cam, CamOptions, DeviceInformation, RequestCallback } from 'onvif';

export interface PtzStatus {
  position: { x: number; y: number; zoom: number };
  moveStatus: { panTilt: 'IDLE' | 'MOVING'; zoom: 'IDLE' | 'MOVING' };
}

export interface Profile {
  $: { token: string };
  name: string;
  videoEncoderConfiguration: { encoding: string; resolution: { width: number; height: number } };
  PTZConfiguration?: { $: { token: string } };
}

export interface SimpleItem {
  $: { Name: string; Value: string | number | boolean };
}

export interface NotificationMessage {
  topic: { _: string };
  message: {
    message: {
      $: { UtcTime: Date; PropertyOperation?: string };
      source: { simpleItem: SimpleItem | SimpleItem[] };
      data: { simpleItem: SimpleItem | SimpleItem[] };
    };
  };
}

export interface Preset {
  $: { token: string | number };
  name: string;
  PTZPosition: { panTilt: { $: { x: number; y: number } }; zoom: { $: { x: number } } };
}

type MoveOptions = {
  x?: number;
  y?: number;
  zoom?: number;
  timeout?: number;
  speed?: { x: number; y: number; zoom: number };
};

const DEFAULT_TIMEOUT_MS = 8000;

export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Items of a Source/Data element as a name → value map. */
export function items(node: { simpleItem: SimpleItem | SimpleItem[] }): Record<string, string | number | boolean> {
  const list = Array.isArray(node.simpleItem) ? node.simpleItem : [node.simpleItem];
  return Object.fromEntries(list.map((i) => [i.$.Name, i.$.Value]));
}

export class OnvifClient {
  private constructor(
    readonly cam: Cam,
    private readonly deadlineMs: number,
  ) {}

  /**
   * Runs the library's connect() (GetSystemDateAndTime, GetServices, GetProfiles, GetVideoSources).
   * The library's own socket timeout is options.timeout; our deadline is a little longer, so
   * the library's error is the one a test sees whenever the library reports one.
   */
  static async connect(options: Omit<CamOptions, 'autoconnect'>): Promise<OnvifClient> {
    const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
    const cam = new onvif.Cam({ ...options, timeout, autoconnect: false });
    const client = new OnvifClient(cam, timeout + 2000);
    await client.call<unknown>('connect', (cb) => cam.connect(cb));
    return client;
  }

  call<T>(what: string, run: (cb: RequestCallback<T>) => void, deadlineMs = this.deadlineMs): Promise<T> {
    return within(
      new Promise<T>((resolve, reject) => run((err, data) => (err ? reject(err) : resolve(data as T)))),
      deadlineMs,
      what,
    );
  }

  systemDateAndTime = (): Promise<Date> => this.call('GetSystemDateAndTime', (cb) => this.cam.getSystemDateAndTime(cb));
  deviceInformation = (): Promise<DeviceInformation> =>
    this.call('GetDeviceInformation', (cb) => this.cam.getDeviceInformation(cb));
  profiles = (): Promise<Profile[]> => this.call('GetProfiles', (cb) => this.cam.getProfiles(cb));
  streamUri = (profileToken: string): Promise<{ uri: string }> =>
    this.call('GetStreamUri', (cb) => this.cam.getStreamUri({ protocol: 'RTSP', profileToken }, cb));
  snapshotUri = (profileToken: string): Promise<{ uri: string }> =>
    this.call('GetSnapshotUri', (cb) => this.cam.getSnapshotUri({ profileToken }, cb));

  status = (): Promise<PtzStatus> => this.call('GetStatus', (cb) => this.cam.getStatus({}, cb));
  continuousMove = (o: MoveOptions): Promise<unknown> =>
    this.call('ContinuousMove', (cb) => this.cam.continuousMove(o, cb));
  absoluteMove = (o: MoveOptions): Promise<unknown> => this.call('AbsoluteMove', (cb) => this.cam.absoluteMove(o, cb));
  relativeMove = (o: MoveOptions): Promise<unknown> => this.call('RelativeMove', (cb) => this.cam.relativeMove(o, cb));
  stop = (): Promise<unknown> => this.call('Stop', (cb) => this.cam.stop({}, cb));
  presets = (): Promise<Record<string, Preset>> => this.call('GetPresets', (cb) => this.cam.getPresets({}, cb));
  gotoPreset = (preset: string): Promise<unknown> =>
    this.call('GotoPreset', (cb) => this.cam.gotoPreset({ preset }, cb));
  removePreset = (presetToken: string): Promise<unknown> =>
    this.call('RemovePreset', (cb) => this.cam.removePreset({ presetToken }, cb));
  setHomePosition = (): Promise<unknown> => this.call('SetHomePosition', (cb) => this.cam.setHomePosition({}, cb));
  gotoHomePosition = (): Promise<unknown> => this.call('GotoHomePosition', (cb) => this.cam.gotoHomePosition({}, cb));

  /** SetPreset; the library hands back the raw xml2js tree, from which the token is read. */
  async setPreset(presetName: string): Promise<string> {
    type Raw = Array<{ setPresetResponse: Array<{ presetToken: string[] }> }>;
    const raw = await this.call<Raw>('SetPreset', (cb) => this.cam.setPreset({ presetName }, cb));
    const token = raw[0]?.setPresetResponse[0]?.presetToken[0];
    if (token === undefined) throw new Error('SetPreset answer has no PresetToken');
    return token;
  }

  createPullPointSubscription = (): Promise<unknown> =>
    this.call('CreatePullPointSubscription', (cb) => this.cam.createPullPointSubscription(cb));

  /** PullMessages as the library sends it (Timeout PT1M: returns as soon as something is queued). */
  async pullMessages(messageLimit = 10, deadlineMs = this.deadlineMs): Promise<NotificationMessage[]> {
    const data = await this.call<{ notificationMessage?: NotificationMessage | NotificationMessage[] }>(
      'PullMessages',
      (cb) => this.cam.pullMessages({ messageLimit }, cb),
      deadlineMs,
    );
    const m = data.notificationMessage;
    return m === undefined ? [] : Array.isArray(m) ? m : [m];
  }
}
