// ONVIF NotificationMessage → the project's camera event. Makers name their
// analytics differently; the mapping below covers the ONVIF topics of Profile S/T
// and the common Hikvision/Dahua/Axis ones, and keeps the raw topic for the rest.
import { at, attr, date, list, obj, str } from './read.js';

export type CameraEventKind = 'motion' | 'line_crossing' | 'intrusion' | 'tamper' | 'other';

export interface CameraEvent {
  kind: CameraEventKind;
  /** As the camera sent it, e.g. "tns1:VideoSource/MotionAlarm". */
  topic: string;
  /** true/false for state events (motion on/off, object inside/outside); null for pulses (a line crossed) or unknown. */
  state: boolean | null;
  /** When it happened, on our clock (the camera's UtcTime corrected by its clock offset). */
  time: Date;
  /** The camera's own UtcTime, as sent (often wrong by years); null when missing. */
  cameraTime: Date | null;
  /**
   * "Initialized": the current state, sent to every new subscription (also after a
   * reconnect), not a change; "Changed"/"Deleted" for property changes; null for pulses.
   */
  operation: 'Initialized' | 'Changed' | 'Deleted' | null;
  /** Source SimpleItems, e.g. { Source: "VideoSource_1" } or { Rule: "东门进口", … }. */
  source: Record<string, string>;
  /** Data SimpleItems, e.g. { State: "true" }. */
  data: Record<string, string>;
}

/** "tns1:RuleEngine/tnsaxis:X/Y" → "RuleEngine/X/Y". */
export function topicPath(topic: string): string {
  return topic
    .trim()
    .split('/')
    .map((segment) => segment.slice(segment.indexOf(':') + 1))
    .join('/');
}

export function classifyTopic(topic: string): CameraEventKind {
  const path = topicPath(topic);
  if (
    path === 'VideoSource/MotionAlarm' ||
    /^RuleEngine\/(CellMotionDetector|MotionRegionDetector)\/Motion$/.test(path)
  )
    return 'motion';
  if (path === 'RuleEngine/LineDetector/Crossed') return 'line_crossing';
  if (path === 'RuleEngine/FieldDetector/ObjectsInside') return 'intrusion';
  if (path.startsWith('VideoSource/GlobalSceneChange/') || /tamper/i.test(path)) return 'tamper';
  return 'other';
}

/** Which Data item holds the state, by kind (first present wins). */
const STATE_ITEMS: Record<CameraEventKind, readonly string[]> = {
  motion: ['State', 'IsMotion'],
  intrusion: ['IsInside', 'State'],
  tamper: ['State', 'IsTamper'],
  line_crossing: [],
  other: ['State', 'IsMotion', 'IsInside', 'IsTamper', 'Value'],
};

function parseState(value: string | undefined): boolean | null {
  const v = value?.trim().toLowerCase();
  return v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : null;
}

function simpleItems(node: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list(at(node, 'simpleItem'))) {
    const name = str(attr(item, 'Name'));
    if (name !== undefined) out[name] = str(attr(item, 'Value')) ?? '';
  }
  return out;
}

function operationOf(value: string | undefined): CameraEvent['operation'] {
  return value === 'Initialized' || value === 'Changed' || value === 'Deleted' ? value : null;
}

/**
 * @param raw one NotificationMessage as the library parsed it
 * @param clockOffsetMs camera clock minus ours
 * @returns null when the message has no topic (nothing to act on)
 */
export function normaliseNotification(
  raw: unknown,
  clockOffsetMs: number,
  receivedAt: Date = new Date(),
): CameraEvent | null {
  const topic = str(at(raw, 'topic'));
  if (!topic) return null;
  // wsnt:Message wraps tt:Message; both parse to "message".
  const outer = at(raw, 'message');
  const message = obj(at(outer, 'message')) ?? obj(outer);
  const cameraTime = date(attr(message, 'UtcTime')) ?? null;
  const kind = classifyTopic(topic);
  const data = simpleItems(at(message, 'data'));
  const stateItem = STATE_ITEMS[kind].find((name) => name in data);
  return {
    kind,
    topic: topic.trim(),
    state: stateItem === undefined ? null : parseState(data[stateItem]),
    time: cameraTime ? new Date(cameraTime.getTime() - clockOffsetMs) : receivedAt,
    cameraTime,
    operation: operationOf(str(attr(message, 'PropertyOperation'))),
    source: simpleItems(at(message, 'source')),
    data,
  };
}
