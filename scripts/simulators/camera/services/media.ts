// ONVIF media service (ver10/media/wsdl, Profile S): two H.264 profiles fed by
// one video source, stream and snapshot URIs.
import { SoapFault, faults } from '../soap/envelope.js';
import { child, esc, path, text, type XmlValue } from '../soap/xml.js';
import type { StreamName } from '../types.js';
import {
  PROFILES,
  TOKENS,
  findProfile,
  type CameraContext,
  type MediaProfile,
  type ServiceHandlers,
} from './context.js';
import { ptzConfigurationBody } from './ptz-xml.js';

function videoSourceConfiguration(ctx: CameraContext): string {
  const { width, height } = ctx.streams.main;
  return (
    `<tt:Name>VideoSourceConfig</tt:Name><tt:UseCount>${PROFILES.length}</tt:UseCount>` +
    `<tt:SourceToken>${TOKENS.videoSource}</tt:SourceToken><tt:Bounds x="0" y="0" width="${width}" height="${height}"/>`
  );
}

function encoderConfiguration(ctx: CameraContext, profile: MediaProfile): string {
  const s = ctx.streams[profile.stream];
  return (
    `<tt:Name>VideoEncoder_${profile.stream}</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>H264</tt:Encoding>` +
    `<tt:Resolution><tt:Width>${s.width}</tt:Width><tt:Height>${s.height}</tt:Height></tt:Resolution><tt:Quality>3</tt:Quality>` +
    `<tt:RateControl><tt:FrameRateLimit>${s.fps}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>${s.bitrateKbps}</tt:BitrateLimit></tt:RateControl>` +
    `<tt:H264><tt:GovLength>${s.fps}</tt:GovLength><tt:H264Profile>Baseline</tt:H264Profile></tt:H264>` +
    '<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address><tt:Port>0</tt:Port><tt:TTL>1</tt:TTL><tt:AutoStart>false</tt:AutoStart></tt:Multicast>' +
    '<tt:SessionTimeout>PT60S</tt:SessionTimeout>'
  );
}

function profileXml(ctx: CameraContext, profile: MediaProfile, tag: string): string {
  // A fixed camera simply has no PTZConfiguration in its profiles.
  const ptz = ctx.ptz
    ? `<tt:PTZConfiguration token="${TOKENS.ptzConfiguration}">${ptzConfigurationBody(ctx.ptz, PROFILES.length)}</tt:PTZConfiguration>`
    : '';
  return (
    `<${tag} token="${profile.token}" fixed="true"><tt:Name>${profile.name}</tt:Name>` +
    `<tt:VideoSourceConfiguration token="${TOKENS.videoSourceConfiguration}">${videoSourceConfiguration(ctx)}</tt:VideoSourceConfiguration>` +
    `<tt:VideoEncoderConfiguration token="${profile.encoderToken}">${encoderConfiguration(ctx, profile)}</tt:VideoEncoderConfiguration>` +
    `${ptz}</${tag}>`
  );
}

function requireProfile(token: string | undefined): MediaProfile {
  const profile = findProfile(token);
  if (!profile) throw faults.invalidArg('ter:NoProfile', `Profile token "${token ?? ''}" does not exist`);
  return profile;
}

function mediaUri(uri: string): string {
  return (
    `<trt:MediaUri><tt:Uri>${esc(uri)}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>` +
    '<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT60S</tt:Timeout></trt:MediaUri>'
  );
}

function streamUri(ctx: CameraContext, stream: StreamName, params: XmlValue): string {
  const setup = child(params, 'StreamSetup');
  const kind = path(setup, 'Stream') ?? 'RTP-Unicast';
  const protocol = path(setup, 'Transport', 'Protocol') ?? 'RTSP';
  if (
    kind !== 'RTP-Unicast' ||
    !['RTSP', 'UDP', 'TCP'].includes(protocol) ||
    ctx.faults().profilesWithoutRtsp.includes(stream)
  ) {
    throw new SoapFault(
      'Sender',
      ['ter:InvalidArgVal', 'ter:InvalidStreamSetup'],
      'Specification of StreamType or Transport part in StreamSetup is not supported',
    );
  }
  return ctx.urls.stream(stream);
}

export function mediaService(ctx: CameraContext): ServiceHandlers {
  return {
    GetProfiles: () =>
      `<trt:GetProfilesResponse>${PROFILES.map((p) => profileXml(ctx, p, 'trt:Profiles')).join('')}</trt:GetProfilesResponse>`,

    GetProfile: (req) =>
      `<trt:GetProfileResponse>${profileXml(ctx, requireProfile(path(req.params, 'ProfileToken')), 'trt:Profile')}</trt:GetProfileResponse>`,

    GetVideoSources: () => {
      const { width, height, fps } = ctx.streams.main;
      return (
        `<trt:GetVideoSourcesResponse><trt:VideoSources token="${TOKENS.videoSource}"><tt:Framerate>${fps}</tt:Framerate>` +
        `<tt:Resolution><tt:Width>${width}</tt:Width><tt:Height>${height}</tt:Height></tt:Resolution></trt:VideoSources></trt:GetVideoSourcesResponse>`
      );
    },

    GetVideoSourceConfigurations: () =>
      `<trt:GetVideoSourceConfigurationsResponse><trt:Configurations token="${TOKENS.videoSourceConfiguration}">${videoSourceConfiguration(ctx)}</trt:Configurations></trt:GetVideoSourceConfigurationsResponse>`,

    GetVideoEncoderConfigurations: () =>
      '<trt:GetVideoEncoderConfigurationsResponse>' +
      PROFILES.map(
        (p) => `<trt:Configurations token="${p.encoderToken}">${encoderConfiguration(ctx, p)}</trt:Configurations>`,
      ).join('') +
      '</trt:GetVideoEncoderConfigurationsResponse>',

    GetVideoEncoderConfiguration: (req) => {
      const token = path(req.params, 'ConfigurationToken');
      const profile = PROFILES.find((p) => p.encoderToken === token);
      if (!profile) throw faults.invalidArg('ter:NoConfig', `Configuration token "${token ?? ''}" does not exist`);
      return `<trt:GetVideoEncoderConfigurationResponse><trt:Configuration token="${profile.encoderToken}">${encoderConfiguration(ctx, profile)}</trt:Configuration></trt:GetVideoEncoderConfigurationResponse>`;
    },

    GetStreamUri: (req) => {
      const profile = requireProfile(text(child(req.params, 'ProfileToken')));
      return `<trt:GetStreamUriResponse>${mediaUri(streamUri(ctx, profile.stream, req.params))}</trt:GetStreamUriResponse>`;
    },

    GetSnapshotUri: (req) => {
      if (!ctx.hasSnapshot) throw faults.actionNotSupported('GetSnapshotUri');
      const profile = requireProfile(text(child(req.params, 'ProfileToken')));
      return `<trt:GetSnapshotUriResponse>${mediaUri(ctx.urls.snapshot(profile.stream))}</trt:GetSnapshotUriResponse>`;
    },

    GetServiceCapabilities: () =>
      `<trt:GetServiceCapabilitiesResponse><trt:Capabilities SnapshotUri="${String(ctx.hasSnapshot)}" Rotation="false" ` +
      'VideoSourceMode="false" OSD="false">' +
      '<trt:ProfileCapabilities MaximumNumberOfProfiles="2"/><trt:StreamingCapabilities RTPMulticast="false" RTP_TCP="true" RTP_RTSP_TCP="true" NonAggregateControl="false" NoRTSPStreaming="false"/>' +
      '</trt:Capabilities></trt:GetServiceCapabilitiesResponse>',
  };
}
