// ONVIF recording search service (ver10/search/wsdl, Profile G) over the simulated SD
// card: the summary, the recording and its track, and its history as
// tns1:RecordingHistory/Recording/State events (IsRecording true/false), which is how a
// client finds the gaps in a recording. Searches are sessions, as on devices: Find*
// answers a token, Get*SearchResults hands the results out in pages (MaxResults),
// SearchState Completed with the last page; EndSearch or KeepAliveTime ends them.
import { xsdDateTime } from '../clock.js';
import { parseDuration } from '../duration.js';
import type { SdCard } from '../recordings/sd-card.js';
import { SoapFault, faults } from '../soap/envelope.js';
import { child, children, esc, path, text, type XmlValue } from '../soap/xml.js';
import type { CameraContext, ServiceHandlers } from './context.js';

const TOPIC = 'tns1:RecordingHistory/Recording/State';
const MAX_SESSIONS = 10;
const DEFAULT_KEEP_ALIVE_MS = 10_000;

interface SearchSession {
  kind: 'recordings' | 'events';
  results: string[];
  expiresMs: number;
  keepAliveMs: number;
}

const invalidToken = (token: string): SoapFault =>
  faults.invalidArg('ter:InvalidToken', `Search token "${token}" does not exist or has ended`);

function instant(node: XmlValue | undefined, what: string): number | undefined {
  const t = text(node)?.trim();
  if (!t) return undefined;
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) throw faults.invalidArg('ter:InvalidArgVal', `${what}: "${t}" is not an xs:dateTime`);
  return ms;
}

function positive(node: XmlValue | undefined): number | undefined {
  const n = Number(text(node));
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

export function recordingInformation(ctx: CameraContext, card: SdCard): string {
  const from = card.earliest();
  const to = card.latest();
  const times = (a: string, b: string) =>
    (from === undefined ? '' : `<tt:${a}>${xsdDateTime(from)}</tt:${a}>`) +
    (to === undefined ? '' : `<tt:${b}>${xsdDateTime(to)}</tt:${b}>`);
  return (
    `<tt:RecordingToken>${esc(card.token)}</tt:RecordingToken>` +
    `<tt:Source><tt:SourceId>VideoSource_1</tt:SourceId><tt:Name>${esc(ctx.name)}</tt:Name>` +
    '<tt:Location>SD card</tt:Location><tt:Description>Continuous recording of the main video source</tt:Description>' +
    `<tt:Address>${esc(ctx.urls.service('device'))}</tt:Address></tt:Source>` +
    times('EarliestRecording', 'LatestRecording') +
    '<tt:Content>SD card</tt:Content>' +
    `<tt:Track><tt:TrackToken>${card.track}</tt:TrackToken><tt:TrackType>Video</tt:TrackType>` +
    `<tt:Description>Video</tt:Description>${times('DataFrom', 'DataTo')}</tt:Track>` +
    `<tt:RecordingStatus>${card.recording ? 'Recording' : 'Stopped'}</tt:RecordingStatus>`
  );
}

function stateEvent(card: SdCard, atMs: number, recording: boolean, startState: boolean): string {
  return (
    `<tt:Result><tt:RecordingToken>${esc(card.token)}</tt:RecordingToken><tt:TrackToken>${card.track}</tt:TrackToken>` +
    `<tt:Time>${xsdDateTime(atMs)}</tt:Time><tt:Event>` +
    `<wsnt:Topic Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">${TOPIC}</wsnt:Topic>` +
    `<wsnt:Message><tt:Message UtcTime="${xsdDateTime(atMs)}" PropertyOperation="${startState ? 'Initialized' : 'Changed'}">` +
    `<tt:Source><tt:SimpleItem Name="RecordingToken" Value="${esc(card.token)}"/></tt:Source>` +
    `<tt:Data><tt:SimpleItem Name="IsRecording" Value="${String(recording)}"/></tt:Data>` +
    '</tt:Message></wsnt:Message></tt:Event>' +
    `<tt:StartStateEvent>${String(startState)}</tt:StartStateEvent></tt:Result>`
  );
}

export function searchService(ctx: CameraContext, card: SdCard): ServiceHandlers {
  const now = (): number => ctx.clock.nowMs();
  const sessions = new Map<string, SearchSession>();
  let counter = 0;

  const open = (kind: SearchSession['kind'], results: string[], params: XmlValue): string => {
    for (const [token, s] of sessions) if (s.expiresMs < now()) sessions.delete(token);
    if (sessions.size >= MAX_SESSIONS)
      throw new SoapFault('Receiver', ['ter:Action', 'ter:ResourceProblem'], 'Too many search sessions');
    const keepAliveMs = parseDuration(text(child(params, 'KeepAliveTime')) ?? '') ?? DEFAULT_KEEP_ALIVE_MS;
    const max = positive(child(params, 'MaxMatches'));
    const token = `SearchToken_${kind}_${++counter}`;
    sessions.set(token, {
      kind,
      results: max === undefined ? results : results.slice(0, max),
      expiresMs: now() + keepAliveMs,
      keepAliveMs,
    });
    return token;
  };

  /** The next page of a session; the last one says Completed and ends it. */
  const page = (params: XmlValue, kind: SearchSession['kind']): { state: string; items: string } => {
    const token = path(params, 'SearchToken') ?? '';
    const s = sessions.get(token);
    if (!s || s.kind !== kind || s.expiresMs < now()) throw invalidToken(token);
    s.expiresMs = now() + s.keepAliveMs;
    const max = positive(child(params, 'MaxResults')) ?? s.results.length;
    const items = s.results.splice(0, max).join('');
    const done = s.results.length === 0;
    if (done) sessions.delete(token);
    return { state: done ? 'Completed' : 'Searching', items };
  };

  const included = (params: XmlValue): boolean => {
    const wanted = children(child(params, 'Scope'), 'IncludedRecordings').map((n) => text(n)?.trim());
    return wanted.length === 0 || wanted.includes(card.token);
  };

  return {
    GetServiceCapabilities: () =>
      '<tse:GetServiceCapabilitiesResponse><tse:Capabilities MetadataSearch="false" GeneralStartEvents="false"/></tse:GetServiceCapabilitiesResponse>',

    GetRecordingSummary: () => {
      const from = card.earliest() ?? now();
      const to = card.latest() ?? now();
      return (
        `<tse:GetRecordingSummaryResponse><tse:Summary><tt:DataFrom>${xsdDateTime(from)}</tt:DataFrom>` +
        `<tt:DataUntil>${xsdDateTime(to)}</tt:DataUntil><tt:NumberRecordings>1</tt:NumberRecordings></tse:Summary>` +
        '</tse:GetRecordingSummaryResponse>'
      );
    },

    GetRecordingInformation: (req) => {
      const token = path(req.params, 'RecordingToken')?.trim();
      if (token !== card.token) throw faults.invalidArg('ter:InvalidToken', `No recording "${token ?? ''}"`);
      return `<tse:GetRecordingInformationResponse><tse:RecordingInformation>${recordingInformation(ctx, card)}</tse:RecordingInformation></tse:GetRecordingInformationResponse>`;
    },

    FindRecordings: (req) => {
      const results = included(req.params)
        ? [`<tt:RecordingInformation>${recordingInformation(ctx, card)}</tt:RecordingInformation>`]
        : [];
      return `<tse:FindRecordingsResponse><tse:SearchToken>${open('recordings', results, req.params)}</tse:SearchToken></tse:FindRecordingsResponse>`;
    },

    GetRecordingSearchResults: (req) => {
      const { state, items } = page(req.params, 'recordings');
      return `<tse:GetRecordingSearchResultsResponse><tse:ResultList><tt:SearchState>${state}</tt:SearchState>${items}</tse:ResultList></tse:GetRecordingSearchResultsResponse>`;
    },

    // Only the recording history is searchable here (no alarms are kept on the card).
    FindEvents: (req) => {
      const start = instant(child(req.params, 'StartPoint'), 'StartPoint');
      if (start === undefined) throw faults.invalidArg('ter:InvalidArgVal', 'StartPoint is required');
      const end = instant(child(req.params, 'EndPoint'), 'EndPoint');
      const backwards = end !== undefined && end < start;
      const [lo, hi] = backwards ? [end, start] : [start, end ?? Infinity];
      const results: string[] = [];
      if (included(req.params)) {
        if (text(child(req.params, 'IncludeStartState'))?.trim() === 'true')
          results.push(stateEvent(card, start, card.isRecordingAt(start), true));
        const changes = card.transitions().filter((t) => t.atMs >= lo && t.atMs <= hi && t.atMs !== start);
        if (backwards) changes.reverse();
        for (const t of changes) results.push(stateEvent(card, t.atMs, t.recording, false));
      }
      return `<tse:FindEventsResponse><tse:SearchToken>${open('events', results, req.params)}</tse:SearchToken></tse:FindEventsResponse>`;
    },

    GetEventSearchResults: (req) => {
      const { state, items } = page(req.params, 'events');
      return `<tse:GetEventSearchResultsResponse><tse:ResultList><tt:SearchState>${state}</tt:SearchState>${items}</tse:ResultList></tse:GetEventSearchResultsResponse>`;
    },

    GetSearchState: (req) => {
      const token = path(req.params, 'SearchToken') ?? '';
      if (!sessions.has(token)) throw invalidToken(token);
      return '<tse:GetSearchStateResponse><tse:State>Searching</tse:State></tse:GetSearchStateResponse>';
    },

    EndSearch: (req) => {
      const token = path(req.params, 'SearchToken') ?? '';
      if (!sessions.delete(token)) throw invalidToken(token);
      return `<tse:EndSearchResponse><tse:Endpoint>${xsdDateTime(now())}</tse:Endpoint></tse:EndSearchResponse>`;
    },
  };
}
