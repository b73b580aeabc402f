// What recording needs of the video domain, said as a small interface so this domain
// depends on five questions rather than on video's classes (video-cameras.ts answers
// them from video's public services; tests may answer them from the same).
import type { AuthContext } from '../platform/auth/auth-context.js';

export interface RecordableCamera {
  id: number;
  townId: number;
  name: string;
  /** Has a placement: it sees somewhere, so evidence may be asked of it. */
  placed: boolean;
  /** RTSP URLs with credentials filled in (for ffmpeg only; never logged unmasked). */
  streams: { main: string | null; sub: string | null };
}

export interface CameraRef {
  id: number;
  townId: number;
  name: string;
}

export interface AlarmMark {
  id: number;
  at: Date;
  kind: string;
}

/** Footage the camera keeps itself (ONVIF Profile G), for the timeline: marked 'on camera'. */
export interface OnCameraFootage {
  /** Whether the camera offers it (null: registered before this was asked). */
  offered: boolean | null;
  spans: { recording: string; from: Date; to: Date }[];
  /** Why the camera could not be asked now. */
  error?: string;
}

export interface CameraPort {
  /** Every camera in service, with its stream URLs. */
  recordable(): Promise<RecordableCamera[]>;
  /** The camera if the caller's towns include it; a 404 otherwise. */
  camera(auth: AuthContext, id: number): Promise<CameraRef>;
  /** Cameras of the town that see the point or can be turned to it. */
  seeing(townId: number, point: { lon: number; lat: number }): Promise<CameraRef[]>;
  /** The camera's alarms (newest 200), for the timeline. */
  alarms(auth: AuthContext, cameraId: number): Promise<AlarmMark[]>;
  /** What the camera recorded itself between two instants (never throws for the camera's own failures). */
  onCamera(auth: AuthContext, cameraId: number, from: Date, to: Date): Promise<OnCameraFootage>;
}
