// Recordings kept on the camera (ONVIF Profile G: an SD card, or an NVR speaking ONVIF):
// what the recording search service lists, and the replay service's RTSP URI.
//
//   recordings  FindRecordings → GetRecordingSearchResults (pages until Completed)
//   spans       FindEvents on tns1:RecordingHistory/Recording/State with the start
//               state → IsRecording true/false changes → recorded spans; a camera
//               without event search gets [EarliestRecording, LatestRecording]
//   replay      GetReplayUri (RTP-Unicast over RTSP)
//
// Every time here is on the camera's clock; the session converts (onvif-driver.ts).
import { isOnvifError, onvifError } from './errors.js';
import type { CameraSteps } from './camera-inspection.js';
import { withoutCredentials } from './profiles.js';
import { at, attr, bool, date, list, str } from './read.js';
import { NS, xmlText } from './soap-client.js';

const MAX_PAGES = 20;
const PAGE = 100;
const TOPIC = 'tns1:RecordingHistory/Recording/State';

export interface OnCameraRecording {
  token: string;
  /** What the camera calls the source (its name, a channel). */
  source: string | null;
  earliest: Date | null;
  latest: Date | null;
  /** RecordingStatus "Recording": the card is being written now. */
  recordingNow: boolean;
}

export interface OnCameraSpan {
  recording: string;
  from: Date;
  to: Date;
}

const xsd = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

const optional = (err: unknown): boolean => isOnvifError(err, 'unsupported') || isOnvifError(err, 'camera_fault');

export function readRecordingInformation(info: unknown): OnCameraRecording | undefined {
  const token = str(at(info, 'recordingToken'))?.trim();
  if (!token) return undefined;
  return {
    token,
    source: str(at(info, 'source', 'name'))?.trim() ?? null,
    earliest: date(at(info, 'earliestRecording')) ?? null,
    latest: date(at(info, 'latestRecording')) ?? null,
    recordingNow: str(at(info, 'recordingStatus'))?.trim() === 'Recording',
  };
}

interface StateChange {
  recording: string;
  at: Date;
  isRecording: boolean;
  startState: boolean;
}

/** One FindEvents result, if it is a recording's IsRecording state. */
export function readStateChange(result: unknown): StateChange | undefined {
  const recording = str(at(result, 'recordingToken'))?.trim();
  const when = date(at(result, 'time')) ?? date(attr(at(result, 'event', 'message', 'message'), 'UtcTime'));
  const topic = str(at(result, 'event', 'topic'))?.trim() ?? '';
  if (!recording || !when || !/RecordingHistory\/Recording\/State$/.test(topic)) return undefined;
  const items = list(at(result, 'event', 'message', 'message', 'data', 'simpleItem'));
  const item = items.find((i) => str(attr(i, 'Name')) === 'IsRecording');
  const isRecording = bool(attr(item, 'Value'));
  if (isRecording === undefined) return undefined;
  return { recording, at: when, isRecording, startState: bool(at(result, 'startStateEvent')) ?? false };
}

/** Recorded spans of each recording within [from, to) from its state changes. */
export function spansFromStates(
  recordings: readonly OnCameraRecording[],
  changes: readonly StateChange[],
  from: Date,
  to: Date,
): OnCameraSpan[] {
  const out: OnCameraSpan[] = [];
  for (const r of recordings) {
    const mine = changes.filter((c) => c.recording === r.token).sort((a, b) => a.at.getTime() - b.at.getTime());
    const start = mine.find((c) => c.startState);
    // Without a start state: recording at `from` if the recording covers it and nothing says otherwise.
    let open: Date | null =
      (start?.isRecording ??
      (r.earliest !== null && r.earliest <= from && (r.latest === null || r.latest > from) && !mine[0]?.isRecording))
        ? from
        : null;
    for (const c of mine) {
      if (c.startState) continue;
      if (c.isRecording && open === null) open = c.at < from ? from : c.at;
      else if (!c.isRecording && open !== null) {
        if (c.at > open) out.push({ recording: r.token, from: open, to: c.at < to ? c.at : to });
        open = null;
      }
    }
    if (open !== null) {
      const end = r.latest && r.latest < to ? r.latest : to;
      if (end > open) out.push({ recording: r.token, from: open, to: end });
    }
  }
  return out.filter((s) => s.to > from && s.from < to).sort((a, b) => a.from.getTime() - b.from.getTime());
}

/** The results of one search session, page by page; the session is ended if it is not completed. */
async function results(
  steps: CameraSteps,
  search: string,
  operation: 'GetRecordingSearchResults' | 'GetEventSearchResults',
  token: string,
  key: 'recordingInformation' | 'result',
): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await steps.call(
      search,
      NS.search,
      operation,
      `<m:SearchToken>${xmlText(token)}</m:SearchToken><m:MinResults>1</m:MinResults>` +
        `<m:MaxResults>${PAGE}</m:MaxResults><m:WaitTime>PT1S</m:WaitTime>`,
    );
    const resultList = at(answer, 'resultList');
    out.push(...list(at(resultList, key)));
    if (str(at(resultList, 'searchState'))?.trim() === 'Completed') return out;
  }
  await steps
    .call(search, NS.search, 'EndSearch', `<m:SearchToken>${xmlText(token)}</m:SearchToken>`)
    .catch(() => undefined);
  return out;
}

function tokenOf(answer: unknown, operation: string, camera: string): string {
  const token = str(at(answer, 'searchToken'))?.trim();
  if (!token) throw onvifError('camera_fault', { camera, operation }, 'the answer carries no SearchToken');
  return token;
}

export async function findRecordings(steps: CameraSteps, search: string, camera: string): Promise<OnCameraRecording[]> {
  const answer = await steps.call(
    search,
    NS.search,
    'FindRecordings',
    '<m:Scope/><m:MaxMatches>50</m:MaxMatches><m:KeepAliveTime>PT10S</m:KeepAliveTime>',
  );
  const token = tokenOf(answer, 'FindRecordings', camera);
  const found = await results(steps, search, 'GetRecordingSearchResults', token, 'recordingInformation');
  return found.map(readRecordingInformation).filter((r): r is OnCameraRecording => r !== undefined);
}

/** The recorded spans of these recordings within [from, to), camera clock. */
export async function recordedSpans(
  steps: CameraSteps,
  search: string,
  camera: string,
  recordings: readonly OnCameraRecording[],
  from: Date,
  to: Date,
): Promise<OnCameraSpan[]> {
  if (recordings.length === 0) return [];
  const scope = recordings.map((r) => `<tt:IncludedRecordings>${xmlText(r.token)}</tt:IncludedRecordings>`).join('');
  let changes: StateChange[];
  try {
    const answer = await steps.call(
      search,
      NS.search,
      'FindEvents',
      `<m:StartPoint>${xsd(from)}</m:StartPoint><m:EndPoint>${xsd(to)}</m:EndPoint><m:Scope>${scope}</m:Scope>` +
        `<m:SearchFilter><wsnt:TopicExpression xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:tns1="http://www.onvif.org/ver10/topics" ` +
        `Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">${TOPIC}</wsnt:TopicExpression></m:SearchFilter>` +
        '<m:IncludeStartState>true</m:IncludeStartState><m:MaxMatches>1000</m:MaxMatches><m:KeepAliveTime>PT10S</m:KeepAliveTime>',
    );
    const token = tokenOf(answer, 'FindEvents', camera);
    changes = (await results(steps, search, 'GetEventSearchResults', token, 'result'))
      .map(readStateChange)
      .filter((c): c is StateChange => c !== undefined);
  } catch (err) {
    if (!optional(err)) throw err;
    // No event search: each recording is taken as one span from its earliest to its latest footage.
    return recordings
      .filter((r) => r.earliest && r.latest)
      .map((r) => ({
        recording: r.token,
        from: r.earliest! > from ? r.earliest! : from,
        to: r.latest! < to ? r.latest! : to,
      }))
      .filter((s) => s.to > s.from);
  }
  return spansFromStates(recordings, changes, from, to);
}

/** The RTSP URI replaying a recording (without credentials). */
export async function replayUri(steps: CameraSteps, replay: string, camera: string, token: string): Promise<string> {
  const answer = await steps.call(
    replay,
    NS.replay,
    'GetReplayUri',
    '<m:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></m:StreamSetup>' +
      `<m:RecordingToken>${xmlText(token)}</m:RecordingToken>`,
  );
  const uri = str(at(answer, 'uri'))?.trim();
  if (!uri || !/^rtsps?:\/\//i.test(uri))
    throw onvifError('no_rtsp', { camera, operation: 'GetReplayUri' }, `recording ${token} has no RTSP replay URI`);
  return withoutCredentials(uri);
}
