// XML shared by the PTZ service and the media profiles (which embed the PTZ
// configuration): generic spaces, ranges, configuration and positions.
import { formatDuration } from '../duration.js';
import type { PtzState } from '../ptz/ptz-state.js';
import type { PtzVector } from '../types.js';
import { TOKENS } from './context.js';

export const SPACES = {
  absolutePanTilt: 'http://www.onvif.org/ver10/tptz/PanTiltSpaces/PositionGenericSpace',
  absoluteZoom: 'http://www.onvif.org/ver10/tptz/ZoomSpaces/PositionGenericSpace',
  relativePanTilt: 'http://www.onvif.org/ver10/tptz/PanTiltSpaces/TranslationGenericSpace',
  relativeZoom: 'http://www.onvif.org/ver10/tptz/ZoomSpaces/TranslationGenericSpace',
  continuousPanTilt: 'http://www.onvif.org/ver10/tptz/PanTiltSpaces/VelocityGenericSpace',
  continuousZoom: 'http://www.onvif.org/ver10/tptz/ZoomSpaces/VelocityGenericSpace',
  speedPanTilt: 'http://www.onvif.org/ver10/tptz/PanTiltSpaces/GenericSpeedSpace',
  speedZoom: 'http://www.onvif.org/ver10/tptz/ZoomSpaces/ZoomGenericSpeedSpace',
} as const;

export const PTZ_TIMEOUT_RANGE_MS = { min: 1000, max: 600_000 } as const;

const range = (min: number, max: number): string => `<tt:Min>${min}</tt:Min><tt:Max>${max}</tt:Max>`;
const space2d = (tag: string, uri: string, min: number, max: number): string =>
  `<tt:${tag}><tt:URI>${uri}</tt:URI><tt:XRange>${range(min, max)}</tt:XRange><tt:YRange>${range(min, max)}</tt:YRange></tt:${tag}>`;
const space1d = (tag: string, uri: string, min: number, max: number): string =>
  `<tt:${tag}><tt:URI>${uri}</tt:URI><tt:XRange>${range(min, max)}</tt:XRange></tt:${tag}>`;

/** Content of a tt:PTZSpaces element. */
export function spacesXml(): string {
  return (
    space2d('AbsolutePanTiltPositionSpace', SPACES.absolutePanTilt, -1, 1) +
    space1d('AbsoluteZoomPositionSpace', SPACES.absoluteZoom, 0, 1) +
    space2d('RelativePanTiltTranslationSpace', SPACES.relativePanTilt, -1, 1) +
    space1d('RelativeZoomTranslationSpace', SPACES.relativeZoom, -1, 1) +
    space2d('ContinuousPanTiltVelocitySpace', SPACES.continuousPanTilt, -1, 1) +
    space1d('ContinuousZoomVelocitySpace', SPACES.continuousZoom, -1, 1) +
    `<tt:PanTiltSpeedSpace><tt:URI>${SPACES.speedPanTilt}</tt:URI><tt:XRange>${range(0, 1)}</tt:XRange></tt:PanTiltSpeedSpace>` +
    space1d('ZoomSpeedSpace', SPACES.speedZoom, 0, 1)
  );
}

const round = (n: number): number => Math.round(n * 1e6) / 1e6;

/** <tt:PanTilt/><tt:Zoom/> pair for positions. */
export function positionXml(p: PtzVector): string {
  return (
    `<tt:PanTilt x="${round(p.pan)}" y="${round(p.tilt)}" space="${SPACES.absolutePanTilt}"/>` +
    `<tt:Zoom x="${round(p.zoom)}" space="${SPACES.absoluteZoom}"/>`
  );
}

/** Inner XML of a tt:PTZConfiguration (the element itself carries token="PTZToken"). */
export function ptzConfigurationBody(ptz: PtzState, useCount: number): string {
  return (
    `<tt:Name>PTZ</tt:Name><tt:UseCount>${useCount}</tt:UseCount><tt:NodeToken>${TOKENS.ptzNode}</tt:NodeToken>` +
    `<tt:DefaultAbsolutePantTiltPositionSpace>${SPACES.absolutePanTilt}</tt:DefaultAbsolutePantTiltPositionSpace>` +
    `<tt:DefaultAbsoluteZoomPositionSpace>${SPACES.absoluteZoom}</tt:DefaultAbsoluteZoomPositionSpace>` +
    `<tt:DefaultRelativePanTiltTranslationSpace>${SPACES.relativePanTilt}</tt:DefaultRelativePanTiltTranslationSpace>` +
    `<tt:DefaultRelativeZoomTranslationSpace>${SPACES.relativeZoom}</tt:DefaultRelativeZoomTranslationSpace>` +
    `<tt:DefaultContinuousPanTiltVelocitySpace>${SPACES.continuousPanTilt}</tt:DefaultContinuousPanTiltVelocitySpace>` +
    `<tt:DefaultContinuousZoomVelocitySpace>${SPACES.continuousZoom}</tt:DefaultContinuousZoomVelocitySpace>` +
    `<tt:DefaultPTZSpeed><tt:PanTilt x="1" y="1" space="${SPACES.speedPanTilt}"/><tt:Zoom x="1" space="${SPACES.speedZoom}"/></tt:DefaultPTZSpeed>` +
    `<tt:DefaultPTZTimeout>${formatDuration(ptz.options.defaultTimeoutMs)}</tt:DefaultPTZTimeout>` +
    `<tt:PanTiltLimits><tt:Range><tt:URI>${SPACES.absolutePanTilt}</tt:URI><tt:XRange>${range(-1, 1)}</tt:XRange><tt:YRange>${range(-1, 1)}</tt:YRange></tt:Range></tt:PanTiltLimits>` +
    `<tt:ZoomLimits><tt:Range><tt:URI>${SPACES.absoluteZoom}</tt:URI><tt:XRange>${range(0, 1)}</tt:XRange></tt:Range></tt:ZoomLimits>`
  );
}
