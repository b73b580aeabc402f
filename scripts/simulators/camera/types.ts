// Shared vocabulary of the camera simulator. Kept free of behaviour so every
// module (services, HTTP, CLI, tests) can import it without pulling in servers.

export type StreamName = 'main' | 'sub';
export const STREAM_NAMES: readonly StreamName[] = ['main', 'sub'];

export interface StreamSpec {
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
}

/** Generic ONVIF PTZ spaces: pan/tilt in -1..1, zoom in 0..1. */
export interface PtzVector {
  pan: number;
  tilt: number;
  zoom: number;
}

export type MoveStatus = 'IDLE' | 'MOVING';

export interface PtzPreset {
  token: string;
  name: string;
  position: PtzVector;
}

export interface PtzSnapshot {
  position: PtzVector;
  moveStatus: { panTilt: MoveStatus; zoom: MoveStatus };
  presets: PtzPreset[];
  home: PtzVector;
}

/** Failure modes a real deployment sees, switchable while the camera runs. */
export interface CameraFaults {
  /** Every ONVIF/HTTP answer is delayed by this many ms (a congested 4G link). */
  delayMs: number;
  /** Sockets are destroyed without an answer (a flaky NAT or crashing web server). */
  dropConnections: boolean;
  /** Power cut: ONVIF port refuses connections, RTSP server is stopped. */
  offline: boolean;
  /** The port answers with a vendor web page instead of SOAP (not an ONVIF device). */
  notOnvif: boolean;
  /** GetStreamUri faults for these profiles (a profile with no RTSP stream). */
  profilesWithoutRtsp: StreamName[];
  /** The snapshot URL answers HTTP 500 (a crashed snapshot CGI) while ONVIF and RTSP work. */
  snapshotFails: boolean;
}

export const NO_FAULTS: Readonly<CameraFaults> = Object.freeze({
  delayMs: 0,
  dropConnections: false,
  offline: false,
  notOnvif: false,
  profilesWithoutRtsp: [],
  snapshotFails: false,
});

/** Events a test or the demo can make the camera raise. */
export type CameraEventInput =
  | { topic: 'motion'; state: boolean }
  | { topic: 'lineCrossing'; rule?: string; objectId?: number }
  | { topic: 'intrusion'; state: boolean; rule?: string }
  | { topic: 'tamper'; state: boolean };

export interface DeviceIdentity {
  manufacturer: string;
  model: string;
  firmwareVersion: string;
  serialNumber: string;
  hardwareId: string;
}
