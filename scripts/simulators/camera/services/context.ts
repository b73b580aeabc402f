// What the ONVIF service handlers need from the camera, and the shape of a
// handler. Handlers return the inner XML of the SOAP Body or throw SoapFault.
import type { CameraClock } from '../clock.js';
import type { EventBroker } from '../events/event-broker.js';
import type { CameraEventSource } from '../events/event-messages.js';
import type { PtzState } from '../ptz/ptz-state.js';
import type { SdCard } from '../recordings/sd-card.js';
import type { XmlValue } from '../soap/xml.js';
import type { CameraFaults, DeviceIdentity, StreamName, StreamSpec } from '../types.js';

export type ServiceName = 'device' | 'media' | 'ptz' | 'events' | 'search' | 'replay';

export const SERVICE_PATHS: Readonly<Record<ServiceName, string>> = {
  device: '/onvif/device_service',
  media: '/onvif/media_service',
  ptz: '/onvif/ptz_service',
  events: '/onvif/events_service',
  search: '/onvif/search_service',
  replay: '/onvif/replay_service',
};
export const SUBSCRIPTION_PATH_PREFIX = '/onvif/events/subscription/';
export const SNAPSHOT_PATH = '/onvif/snapshot';

/** Tokens as a Hikvision-style firmware names them (clients must treat them as opaque). */
export const TOKENS = {
  videoSource: 'VideoSource_1',
  videoSourceConfiguration: 'VideoSourceToken',
  videoAnalyticsConfiguration: 'VideoAnalyticsToken',
  ptzConfiguration: 'PTZToken',
  ptzNode: 'PTZNodeToken',
} as const;

export interface MediaProfile {
  token: string;
  name: string;
  stream: StreamName;
  encoderToken: string;
}

export const PROFILES: readonly MediaProfile[] = [
  { token: 'Profile_1', name: 'mainStream', stream: 'main', encoderToken: 'VideoEncoderToken_1' },
  { token: 'Profile_2', name: 'subStream', stream: 'sub', encoderToken: 'VideoEncoderToken_2' },
];

export interface CameraUrls {
  service(name: ServiceName): string;
  /** RTSP URI as GetStreamUri reports it: no credentials, like real cameras. */
  stream(stream: StreamName): string;
  snapshot(stream: StreamName): string;
  subscription(id: string): string;
  /** RTSP URI replaying a recording of the SD card (no credentials). */
  replay(token: string): string;
}

export interface CameraContext {
  readonly name: string;
  readonly identity: DeviceIdentity;
  readonly clock: CameraClock;
  readonly streams: Readonly<Record<StreamName, StreamSpec>>;
  /** Absent on fixed (bullet) cameras: no PTZ service, no PTZ configuration. */
  readonly ptz: PtzState | undefined;
  /** Profile G: the SD card with its recording; absent on a camera without one. */
  readonly sdCard: SdCard | undefined;
  readonly broker: EventBroker;
  readonly eventSource: CameraEventSource;
  readonly urls: CameraUrls;
  readonly ports: () => { http: number; rtsp: number };
  /** False for a camera without a snapshot endpoint (optional in Profile S). */
  readonly hasSnapshot: boolean;
  scopes(): string[];
  faults(): CameraFaults;
  /** Power-cycles the camera (after the current reply has been sent). */
  reboot(): void;
}

export interface SoapRequest {
  /** Local name of the Body's first element, e.g. "GetProfiles". */
  readonly action: string;
  /** That element, parsed. */
  readonly params: XmlValue;
  readonly header: XmlValue | undefined;
  /** Aborted when the client disconnects (ends long polls early). */
  readonly signal: AbortSignal;
  /** Set for requests to a subscription manager address. */
  readonly subscriptionId?: string;
  /** Runs once the reply has been written (e.g. reboot after "Rebooting"). */
  afterResponse(fn: () => void): void;
}

export type ActionHandler = (req: SoapRequest) => string | Promise<string>;
export type ServiceHandlers = Readonly<Record<string, ActionHandler>>;

export function findProfile(token: string | undefined): MediaProfile | undefined {
  return PROFILES.find((p) => p.token === token);
}
