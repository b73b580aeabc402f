// What each camera should be recording right now, from its policy and the clock: a
// pure function, so the schedule and the buffer rules are tested without ffmpeg.
import type { RecordableCamera } from './camera-port.js';
import type { RecordingPolicy, ScheduleWindow, StreamName } from './recordings.repository.js';

export interface Want {
  cameraId: number;
  townId: number;
  name: string;
  stream: StreamName;
  url: string;
  /** Recorded footage is kept this long; buffer footage only `bufferS` unless held. */
  kind: 'record' | 'buffer';
  keepS: number;
}

/** Minutes since local midnight and the local weekday (0 Sunday) of an instant. */
export function localClock(at: Date, offsetHours: number): { day: number; minute: number } {
  const local = new Date(at.getTime() + offsetHours * 3_600_000);
  return { day: local.getUTCDay(), minute: local.getUTCHours() * 60 + local.getUTCMinutes() };
}

const minutes = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/** Whether the instant falls in one of the windows; a window whose end is before its start runs past midnight. */
export function inSchedule(windows: readonly ScheduleWindow[], at: Date, offsetHours: number): boolean {
  const { day, minute } = localClock(at, offsetHours);
  const yesterday = (day + 6) % 7;
  return windows.some((w) => {
    const from = minutes(w.from);
    const to = minutes(w.to);
    if (from < to) return w.day === day && minute >= from && minute < to;
    return (w.day === day && minute >= from) || (w.day === yesterday && minute < to);
  });
}

export function planRecordings(
  cameras: readonly RecordableCamera[],
  policies: ReadonlyMap<number, RecordingPolicy>,
  at: Date,
  o: { offsetHours: number; bufferS: number },
): Want[] {
  const out: Want[] = [];
  for (const c of cameras) {
    const p = policies.get(c.id);
    const stream: StreamName = p?.stream ?? 'sub';
    const url = c.streams[stream] ?? c.streams.main ?? c.streams.sub;
    if (!url) continue;
    const base = { cameraId: c.id, townId: c.townId, name: c.name, stream, url };
    const retentionS = (p?.retentionDays ?? 30) * 86_400;
    const recording = p?.mode === 'continuous' || (p?.mode === 'schedule' && inSchedule(p.schedule, at, o.offsetHours));
    if (recording) {
      out.push({ ...base, kind: 'record', keepS: retentionS });
    } else if (p?.mode === 'on_alarm') {
      // The pre-roll must still be there when the alarm comes.
      out.push({ ...base, kind: 'buffer', keepS: Math.max(o.bufferS, (p.preRollS ?? 0) + 60) });
    } else if (c.placed && o.bufferS > 0) {
      out.push({ ...base, kind: 'buffer', keepS: o.bufferS });
    }
  }
  return out;
}
