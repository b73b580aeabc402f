// ONVIF replay service (ver10/replay/wsdl, Profile G): the RTSP URI that replays the
// SD card's recording. Where to start goes in the URI's query as `starttime=` (the way
// Hikvision-style firmwares take it, and what ffmpeg can send); ONVIF's
// `Range: clock=` PLAY header is not honoured (the replay starts at `starttime`, or now).
import { SoapFault, faults } from '../soap/envelope.js';
import { esc, path } from '../soap/xml.js';
import type { SdCard } from '../recordings/sd-card.js';
import type { CameraContext, ServiceHandlers } from './context.js';

export function replayService(ctx: CameraContext, card: SdCard): ServiceHandlers {
  return {
    GetServiceCapabilities: () =>
      '<trp:GetServiceCapabilitiesResponse><trp:Capabilities ReversePlayback="false" SessionTimeoutRange="60 60" RTP_RTSP_TCP="true"/></trp:GetServiceCapabilitiesResponse>',

    GetReplayConfiguration: () =>
      '<trp:GetReplayConfigurationResponse><trp:Configuration><tt:SessionTimeout>PT60S</tt:SessionTimeout></trp:Configuration></trp:GetReplayConfigurationResponse>',

    GetReplayUri: (req) => {
      const token = path(req.params, 'RecordingToken')?.trim();
      if (token !== card.token) throw faults.invalidArg('ter:NoRecording', `No recording "${token ?? ''}"`);
      const kind = path(req.params, 'StreamSetup', 'Stream') ?? 'RTP-Unicast';
      const protocol = path(req.params, 'StreamSetup', 'Transport', 'Protocol') ?? 'RTSP';
      if (kind !== 'RTP-Unicast' || !['RTSP', 'TCP', 'UDP'].includes(protocol))
        throw new SoapFault(
          'Sender',
          ['ter:InvalidArgVal', 'ter:InvalidStreamSetup'],
          'Only RTP-Unicast over RTSP is replayed',
        );
      return `<trp:GetReplayUriResponse><trp:Uri>${esc(ctx.urls.replay(card.token))}</trp:Uri></trp:GetReplayUriResponse>`;
    },
  };
}
