// Recorded spans on the camera (Profile G) from what its event search answers: a start
// state and IsRecording changes, or nothing at all; parsed from a real SOAP body.
import { expect } from 'chai';
import { soapBody } from '../../../video/onvif/soap-client.js';
import { at, list } from '../../../video/onvif/read.js';
import { readStateChange, spansFromStates, type OnCameraRecording } from '../../../video/onvif/recording-search.js';

const T = (m: number) => new Date(Date.UTC(2026, 2, 1, 6, m));
const rec: OnCameraRecording = { token: 'R1', source: null, earliest: T(0), latest: T(100), recordingNow: false };

const result = (minute: number, recording: boolean, startState = false) =>
  `<tt:Result><tt:RecordingToken>R1</tt:RecordingToken><tt:TrackToken>V</tt:TrackToken><tt:Time>${T(minute).toISOString()}</tt:Time>` +
  '<tt:Event><wsnt:Topic Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">tns1:RecordingHistory/Recording/State</wsnt:Topic>' +
  `<wsnt:Message><tt:Message UtcTime="${T(minute).toISOString()}"><tt:Source><tt:SimpleItem Name="RecordingToken" Value="R1"/></tt:Source>` +
  `<tt:Data><tt:SimpleItem Name="IsRecording" Value="${String(recording)}"/></tt:Data></tt:Message></wsnt:Message></tt:Event>` +
  `<tt:StartStateEvent>${String(startState)}</tt:StartStateEvent></tt:Result>`;

function changes(...results: string[]) {
  const body = soapBody(
    `<env:Envelope><env:Body><tse:GetEventSearchResultsResponse><tse:ResultList><tt:SearchState>Completed</tt:SearchState>${results.join('')}</tse:ResultList></tse:GetEventSearchResultsResponse></env:Body></env:Envelope>`,
  );
  return list(at(body, 'getEventSearchResultsResponse', 'resultList', 'result'))
    .map(readStateChange)
    .filter((c) => c !== undefined);
}

const minutes = (spans: { from: Date; to: Date }[]) =>
  spans.map((s) => [(s.from.getTime() - T(0).getTime()) / 60_000, (s.to.getTime() - T(0).getTime()) / 60_000]);

describe('ONVIF recording search: spans from IsRecording changes', () => {
  it('opens at the start state, closes and reopens on the changes, clips to the range', () => {
    const c = changes(result(10, true, true), result(30, false), result(50, true));
    expect(c).to.have.length(3);
    expect(minutes(spansFromStates([rec], c, T(10), T(90)))).to.deep.equal([
      [10, 30],
      [50, 90],
    ]);
  });

  it('without a start state, the recording covering the range start counts as recording', () => {
    expect(minutes(spansFromStates([rec], changes(result(30, false)), T(10), T(90)))).to.deep.equal([[10, 30]]);
    expect(minutes(spansFromStates([rec], changes(result(30, true)), T(10), T(90)))).to.deep.equal([[30, 90]]);
  });

  it('ends an open span at the recording’s latest footage, and ignores other topics', () => {
    const late = { ...rec, latest: T(60) };
    expect(minutes(spansFromStates([late], changes(result(50, true)), T(40), T(90)))).to.deep.equal([[50, 60]]);
    const other = result(20, true).replace('RecordingHistory/Recording/State', 'VideoSource/MotionAlarm');
    expect(changes(other)).to.deep.equal([]);
  });
});
