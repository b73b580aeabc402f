// ONVIF PTZ service (ver20/ptz/wsdl) over the PtzState motor model.
import { xsdDateTime } from '../clock.js';
import { parseDuration } from '../duration.js';
import { PresetLimitError, type PtzState } from '../ptz/ptz-state.js';
import { SoapFault, faults } from '../soap/envelope.js';
import { attr, child, esc, path, text, type XmlValue } from '../soap/xml.js';
import type { PtzVector } from '../types.js';
import { PROFILES, TOKENS, findProfile, type CameraContext, type ServiceHandlers } from './context.js';
import { PTZ_TIMEOUT_RANGE_MS, SPACES, positionXml, ptzConfigurationBody, spacesXml } from './ptz-xml.js';

type Vector = Partial<PtzVector>;

function number(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw faults.invalidArg('ter:InvalidArgVal', `${what} is not a number`);
  return n;
}

/** Reads <PanTilt x y space/><Zoom x space/>, refusing spaces we do not implement. */
function readVector(node: XmlValue | undefined, panTiltSpace: string, zoomSpace: string): Vector {
  const panTilt = child(node, 'PanTilt');
  const zoom = child(node, 'Zoom');
  for (const [el, expected] of [
    [panTilt, panTiltSpace],
    [zoom, zoomSpace],
  ] as const) {
    const space = attr(el, 'space');
    if (space !== undefined && space !== expected) {
      throw faults.invalidArg('ter:SpaceNotSupported', `Space ${space} is not supported`);
    }
  }
  const v: Vector = {};
  const pan = number(attr(panTilt, 'x'), 'PanTilt x');
  const tilt = number(attr(panTilt, 'y'), 'PanTilt y');
  const z = number(attr(zoom, 'x'), 'Zoom x');
  if (pan !== undefined) v.pan = pan;
  if (tilt !== undefined) v.tilt = tilt;
  if (z !== undefined) v.zoom = z;
  return v;
}

function readSpeed(params: XmlValue): Vector {
  return readVector(child(params, 'Speed'), SPACES.speedPanTilt, SPACES.speedZoom);
}

function presetXml(p: { token: string; name: string; position: PtzVector }): string {
  return `<tptz:Preset token="${esc(p.token)}"><tt:Name>${esc(p.name)}</tt:Name><tt:PTZPosition>${positionXml(p.position)}</tt:PTZPosition></tptz:Preset>`;
}

export function ptzService(ctx: CameraContext, ptz: PtzState): ServiceHandlers {
  /** Every PTZ command names a media profile; an unknown one is refused. */
  const checkProfile = (params: XmlValue): void => {
    const token = path(params, 'ProfileToken');
    if (!findProfile(token)) throw faults.invalidArg('ter:NoProfile', `Profile token "${token ?? ''}" does not exist`);
  };
  const configuration = `<tptz:PTZConfiguration token="${TOKENS.ptzConfiguration}">${ptzConfigurationBody(ptz, PROFILES.length)}</tptz:PTZConfiguration>`;
  const node =
    `<tptz:PTZNode token="${TOKENS.ptzNode}" FixedHomePosition="false" GeoMove="false"><tt:Name>PTZNode</tt:Name>` +
    `<tt:SupportedPTZSpaces>${spacesXml()}</tt:SupportedPTZSpaces><tt:MaximumNumberOfPresets>${ptz.options.maxPresets}</tt:MaximumNumberOfPresets>` +
    '<tt:HomeSupported>true</tt:HomeSupported></tptz:PTZNode>';

  return {
    GetServiceCapabilities: () =>
      '<tptz:GetServiceCapabilitiesResponse><tptz:Capabilities EFlip="false" Reverse="false" GetCompatibleConfigurations="true" MoveStatus="true" StatusPosition="true"/></tptz:GetServiceCapabilitiesResponse>',

    GetNodes: () => `<tptz:GetNodesResponse>${node}</tptz:GetNodesResponse>`,

    GetNode: (req) => {
      if (path(req.params, 'NodeToken') !== TOKENS.ptzNode) throw faults.invalidArg('ter:NoEntity', 'No such PTZ node');
      return `<tptz:GetNodeResponse>${node}</tptz:GetNodeResponse>`;
    },

    GetConfigurations: () => `<tptz:GetConfigurationsResponse>${configuration}</tptz:GetConfigurationsResponse>`,

    GetConfiguration: (req) => {
      if (path(req.params, 'PTZConfigurationToken') !== TOKENS.ptzConfiguration) {
        throw faults.invalidArg('ter:NoConfig', 'No such PTZ configuration');
      }
      return `<tptz:GetConfigurationResponse>${configuration}</tptz:GetConfigurationResponse>`;
    },

    GetConfigurationOptions: (req) => {
      if (path(req.params, 'ConfigurationToken') !== TOKENS.ptzConfiguration) {
        throw faults.invalidArg('ter:NoConfig', 'No such PTZ configuration');
      }
      return (
        `<tptz:GetConfigurationOptionsResponse><tptz:PTZConfigurationOptions><tt:Spaces>${spacesXml()}</tt:Spaces>` +
        `<tt:PTZTimeout><tt:Min>PT${PTZ_TIMEOUT_RANGE_MS.min / 1000}S</tt:Min><tt:Max>PT${PTZ_TIMEOUT_RANGE_MS.max / 1000}S</tt:Max></tt:PTZTimeout>` +
        '</tptz:PTZConfigurationOptions></tptz:GetConfigurationOptionsResponse>'
      );
    },

    GetStatus: (req) => {
      checkProfile(req.params);
      const status = ptz.moveStatus();
      return (
        `<tptz:GetStatusResponse><tptz:PTZStatus><tt:Position>${positionXml(ptz.position())}</tt:Position>` +
        `<tt:MoveStatus><tt:PanTilt>${status.panTilt}</tt:PanTilt><tt:Zoom>${status.zoom}</tt:Zoom></tt:MoveStatus>` +
        `<tt:UtcTime>${xsdDateTime(ctx.clock.nowMs())}</tt:UtcTime></tptz:PTZStatus></tptz:GetStatusResponse>`
      );
    },

    ContinuousMove: (req) => {
      checkProfile(req.params);
      const velocity = readVector(child(req.params, 'Velocity'), SPACES.continuousPanTilt, SPACES.continuousZoom);
      const timeoutText = text(child(req.params, 'Timeout'));
      let timeoutMs: number | undefined;
      if (timeoutText !== undefined) {
        timeoutMs = parseDuration(timeoutText);
        if (timeoutMs === undefined || timeoutMs <= 0)
          throw faults.invalidArg('ter:InvalidArgVal', `Bad Timeout ${timeoutText}`);
        timeoutMs = Math.min(timeoutMs, PTZ_TIMEOUT_RANGE_MS.max);
      }
      ptz.continuousMove(velocity, timeoutMs);
      return '<tptz:ContinuousMoveResponse/>';
    },

    Stop: (req) => {
      checkProfile(req.params);
      // Both default to true: a bare Stop stops everything.
      ptz.stop(path(req.params, 'PanTilt') !== 'false', path(req.params, 'Zoom') !== 'false');
      return '<tptz:StopResponse/>';
    },

    AbsoluteMove: (req) => {
      checkProfile(req.params);
      const target = readVector(child(req.params, 'Position'), SPACES.absolutePanTilt, SPACES.absoluteZoom);
      const outside = (v: number | undefined, min: number, max: number): boolean =>
        v !== undefined && (v < min || v > max);
      if (outside(target.pan, -1, 1) || outside(target.tilt, -1, 1) || outside(target.zoom, 0, 1)) {
        throw faults.invalidArg('ter:InvalidPosition', 'The requested position is out of bounds');
      }
      ptz.absoluteMove(target, readSpeed(req.params));
      return '<tptz:AbsoluteMoveResponse/>';
    },

    RelativeMove: (req) => {
      checkProfile(req.params);
      const delta = readVector(child(req.params, 'Translation'), SPACES.relativePanTilt, SPACES.relativeZoom);
      ptz.relativeMove(delta, readSpeed(req.params));
      return '<tptz:RelativeMoveResponse/>';
    },

    GetPresets: (req) => {
      checkProfile(req.params);
      return `<tptz:GetPresetsResponse>${ptz.listPresets().map(presetXml).join('')}</tptz:GetPresetsResponse>`;
    },

    SetPreset: (req) => {
      checkProfile(req.params);
      const token = path(req.params, 'PresetToken');
      if (token !== undefined && !ptz.hasPreset(token))
        throw faults.invalidArg('ter:NoToken', `Preset token "${token}" does not exist`);
      try {
        const created = ptz.setPreset(path(req.params, 'PresetName') || undefined, token);
        return `<tptz:SetPresetResponse><tptz:PresetToken>${esc(created)}</tptz:PresetToken></tptz:SetPresetResponse>`;
      } catch (err) {
        if (err instanceof PresetLimitError) {
          throw new SoapFault('Receiver', ['ter:Action', 'ter:TooManyPresets'], 'Maximum number of presets reached');
        }
        throw err;
      }
    },

    RemovePreset: (req) => {
      checkProfile(req.params);
      const token = path(req.params, 'PresetToken') ?? '';
      if (!ptz.removePreset(token)) throw faults.invalidArg('ter:NoToken', `Preset token "${token}" does not exist`);
      return '<tptz:RemovePresetResponse/>';
    },

    GotoPreset: (req) => {
      checkProfile(req.params);
      const token = path(req.params, 'PresetToken') ?? '';
      if (!ptz.gotoPreset(token, readSpeed(req.params))) {
        throw faults.invalidArg('ter:NoToken', `Preset token "${token}" does not exist`);
      }
      return '<tptz:GotoPresetResponse/>';
    },

    GotoHomePosition: (req) => {
      checkProfile(req.params);
      ptz.gotoHome(readSpeed(req.params));
      return '<tptz:GotoHomePositionResponse/>';
    },

    SetHomePosition: (req) => {
      checkProfile(req.params);
      ptz.setHome();
      return '<tptz:SetHomePositionResponse/>';
    },
  };
}
