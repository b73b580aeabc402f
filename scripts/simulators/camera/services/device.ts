// ONVIF device management service (ver10/device/wsdl).
import { SoapFault, faults } from '../soap/envelope.js';
import { child, esc, path, text } from '../soap/xml.js';
import type { CameraContext, ServiceHandlers, ServiceName } from './context.js';

const SERVICE_NAMESPACES: Record<ServiceName, string> = {
  device: 'http://www.onvif.org/ver10/device/wsdl',
  media: 'http://www.onvif.org/ver10/media/wsdl',
  ptz: 'http://www.onvif.org/ver20/ptz/wsdl',
  events: 'http://www.onvif.org/ver10/events/wsdl',
  search: 'http://www.onvif.org/ver10/search/wsdl',
  replay: 'http://www.onvif.org/ver10/replay/wsdl',
};

const VERSION = '<tt:Major>2</tt:Major><tt:Minor>60</tt:Minor>';

function dateTimeXml(ms: number): string {
  const d = new Date(ms);
  return (
    `<tt:Time><tt:Hour>${d.getUTCHours()}</tt:Hour><tt:Minute>${d.getUTCMinutes()}</tt:Minute><tt:Second>${d.getUTCSeconds()}</tt:Second></tt:Time>` +
    `<tt:Date><tt:Year>${d.getUTCFullYear()}</tt:Year><tt:Month>${d.getUTCMonth() + 1}</tt:Month><tt:Day>${d.getUTCDate()}</tt:Day></tt:Date>`
  );
}

/** Deterministic locally-administered MAC from the serial number. */
function macAddress(serial: string): string {
  let h = 0x811c9dc5;
  for (const c of serial) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  const bytes = [0x02, 0x1c, (h >>> 24) & 0xff, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

function services(ctx: CameraContext): ServiceName[] {
  return [
    'device',
    'media',
    ...(ctx.ptz ? (['ptz'] as const) : []),
    'events',
    ...(ctx.sdCard ? (['search', 'replay'] as const) : []),
  ];
}

function serviceCapabilities(ctx: CameraContext, name: ServiceName): string {
  switch (name) {
    case 'device':
      return (
        '<tds:Capabilities><tds:Network IPFilter="false" ZeroConfiguration="false" IPVersion6="false" DynDNS="false" NTP="1" HostnameFromDHCP="false"/>' +
        '<tds:Security TLS1.0="false" TLS1.1="false" TLS1.2="false" OnboardKeyGeneration="false" AccessPolicyConfig="false" DefaultAccessPolicy="false" Dot1X="false" RemoteUserHandling="false" X.509Token="false" SAMLToken="false" KerberosToken="false" UsernameToken="true" HttpDigest="true" RELToken="false"/>' +
        '<tds:System DiscoveryResolve="false" DiscoveryBye="true" RemoteDiscovery="false" SystemBackup="false" SystemLogging="false" FirmwareUpgrade="false" HttpFirmwareUpgrade="false" HttpSystemBackup="false" HttpSystemLogging="false" HttpSupportInformation="false"/></tds:Capabilities>'
      );
    case 'media':
      return (
        `<trt:Capabilities SnapshotUri="${String(ctx.hasSnapshot)}" Rotation="false" ` +
        'VideoSourceMode="false" OSD="false">' +
        '<trt:ProfileCapabilities MaximumNumberOfProfiles="2"/>' +
        '<trt:StreamingCapabilities RTPMulticast="false" RTP_TCP="true" RTP_RTSP_TCP="true" NonAggregateControl="false" NoRTSPStreaming="false"/></trt:Capabilities>'
      );
    case 'ptz':
      return '<tptz:Capabilities EFlip="false" Reverse="false" GetCompatibleConfigurations="true" MoveStatus="true" StatusPosition="true"/>';
    case 'events':
      return `<tev:Capabilities WSSubscriptionPolicySupport="false" WSPullPointSupport="true" WSPausableSubscriptionManagerInterfaceSupport="false" MaxNotificationProducers="10" MaxPullPoints="10" PersistentNotificationStorage="false"/>`;
    case 'search':
      return '<tse:Capabilities MetadataSearch="false" GeneralStartEvents="false"/>';
    case 'replay':
      return '<trp:Capabilities ReversePlayback="false" SessionTimeoutRange="60 60" RTP_RTSP_TCP="true"/>';
  }
}

function capabilities(ctx: CameraContext, category: string): string {
  const parts: Record<string, string> = {
    Device:
      `<tt:Device><tt:XAddr>${esc(ctx.urls.service('device'))}</tt:XAddr>` +
      '<tt:Network><tt:IPFilter>false</tt:IPFilter><tt:ZeroConfiguration>false</tt:ZeroConfiguration><tt:IPVersion6>false</tt:IPVersion6><tt:DynDNS>false</tt:DynDNS></tt:Network>' +
      `<tt:System><tt:DiscoveryResolve>false</tt:DiscoveryResolve><tt:DiscoveryBye>true</tt:DiscoveryBye><tt:RemoteDiscovery>false</tt:RemoteDiscovery><tt:SystemBackup>false</tt:SystemBackup><tt:SystemLogging>false</tt:SystemLogging><tt:FirmwareUpgrade>false</tt:FirmwareUpgrade><tt:SupportedVersions>${VERSION}</tt:SupportedVersions></tt:System>` +
      '<tt:Security><tt:TLS1.1>false</tt:TLS1.1><tt:TLS1.2>false</tt:TLS1.2><tt:OnboardKeyGeneration>false</tt:OnboardKeyGeneration><tt:AccessPolicyConfig>false</tt:AccessPolicyConfig><tt:X.509Token>false</tt:X.509Token><tt:SAMLToken>false</tt:SAMLToken><tt:KerberosToken>false</tt:KerberosToken><tt:RELToken>false</tt:RELToken></tt:Security></tt:Device>',
    Events:
      `<tt:Events><tt:XAddr>${esc(ctx.urls.service('events'))}</tt:XAddr><tt:WSSubscriptionPolicySupport>false</tt:WSSubscriptionPolicySupport>` +
      '<tt:WSPullPointSupport>true</tt:WSPullPointSupport><tt:WSPausableSubscriptionManagerInterfaceSupport>false</tt:WSPausableSubscriptionManagerInterfaceSupport></tt:Events>',
    Media:
      `<tt:Media><tt:XAddr>${esc(ctx.urls.service('media'))}</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast>` +
      '<tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>',
  };
  if (ctx.ptz) parts.PTZ = `<tt:PTZ><tt:XAddr>${esc(ctx.urls.service('ptz'))}</tt:XAddr></tt:PTZ>`;
  // Profile G's services sit in the Extension, as on real devices.
  const extension = ctx.sdCard
    ? `<tt:Extension><tt:Search><tt:XAddr>${esc(ctx.urls.service('search'))}</tt:XAddr><tt:MetadataSearch>false</tt:MetadataSearch></tt:Search>` +
      `<tt:Replay><tt:XAddr>${esc(ctx.urls.service('replay'))}</tt:XAddr></tt:Replay></tt:Extension>`
    : '';
  if (category === 'All') return Object.values(parts).join('') + extension;
  const one = parts[category];
  if (!one) throw new SoapFault('Receiver', ['ter:ActionNotSupported', 'ter:NoSuchService'], `No ${category} service`);
  return one;
}

export function deviceService(ctx: CameraContext): ServiceHandlers {
  return {
    GetSystemDateAndTime: () => {
      const now = ctx.clock.nowMs();
      return (
        '<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>' +
        '<tt:DateTimeType>Manual</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>' +
        `<tt:TimeZone><tt:TZ>${ctx.clock.posixTz()}</tt:TZ></tt:TimeZone>` +
        `<tt:UTCDateTime>${dateTimeXml(now)}</tt:UTCDateTime>` +
        `<tt:LocalDateTime>${dateTimeXml(now + ctx.clock.utcOffsetMinutes * 60_000)}</tt:LocalDateTime>` +
        '</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>'
      );
    },

    // Lets a client fix a camera whose clock is years off (Manual) or put it back on "NTP".
    SetSystemDateAndTime: (req) => {
      const type = path(req.params, 'DateTimeType');
      const utc = child(req.params, 'UTCDateTime');
      if (type === 'NTP') {
        ctx.clock.offsetMs = 0;
      } else if (utc !== undefined) {
        const n = (a: string, b: string): number => Number(path(utc, a, b));
        const ms = Date.UTC(
          n('Date', 'Year'),
          n('Date', 'Month') - 1,
          n('Date', 'Day'),
          n('Time', 'Hour'),
          n('Time', 'Minute'),
          n('Time', 'Second'),
        );
        if (Number.isNaN(ms)) throw faults.invalidArg('ter:InvalidDateTime', 'Invalid date and time');
        ctx.clock.offsetMs = ms - Date.now();
      }
      return '<tds:SetSystemDateAndTimeResponse/>';
    },

    GetDeviceInformation: () => {
      const id = ctx.identity;
      return (
        '<tds:GetDeviceInformationResponse>' +
        `<tds:Manufacturer>${esc(id.manufacturer)}</tds:Manufacturer><tds:Model>${esc(id.model)}</tds:Model>` +
        `<tds:FirmwareVersion>${esc(id.firmwareVersion)}</tds:FirmwareVersion><tds:SerialNumber>${esc(id.serialNumber)}</tds:SerialNumber>` +
        `<tds:HardwareId>${esc(id.hardwareId)}</tds:HardwareId></tds:GetDeviceInformationResponse>`
      );
    },

    GetServices: (req) => {
      const withCapabilities = text(child(req.params, 'IncludeCapability')) === 'true';
      const items = services(ctx).map(
        (name) =>
          `<tds:Service><tds:Namespace>${SERVICE_NAMESPACES[name]}</tds:Namespace><tds:XAddr>${esc(ctx.urls.service(name))}</tds:XAddr>` +
          (withCapabilities ? `<tds:Capabilities>${serviceCapabilities(ctx, name)}</tds:Capabilities>` : '') +
          `<tds:Version>${VERSION}</tds:Version></tds:Service>`,
      );
      return `<tds:GetServicesResponse>${items.join('')}</tds:GetServicesResponse>`;
    },

    GetServiceCapabilities: () =>
      `<tds:GetServiceCapabilitiesResponse>${serviceCapabilities(ctx, 'device')}</tds:GetServiceCapabilitiesResponse>`,

    GetCapabilities: (req) => {
      const category = text(child(req.params, 'Category')) || 'All';
      return `<tds:GetCapabilitiesResponse><tds:Capabilities>${capabilities(ctx, category)}</tds:Capabilities></tds:GetCapabilitiesResponse>`;
    },

    GetScopes: () =>
      '<tds:GetScopesResponse>' +
      ctx
        .scopes()
        .map(
          (s) =>
            `<tds:Scopes><tt:ScopeDef>${s.includes('/name/') || s.includes('/location/') ? 'Configurable' : 'Fixed'}</tt:ScopeDef><tt:ScopeItem>${esc(s)}</tt:ScopeItem></tds:Scopes>`,
        )
        .join('') +
      '</tds:GetScopesResponse>',

    GetHostname: () =>
      `<tds:GetHostnameResponse><tds:HostnameInformation><tt:FromDHCP>false</tt:FromDHCP><tt:Name>${esc(ctx.identity.serialNumber)}</tt:Name></tds:HostnameInformation></tds:GetHostnameResponse>`,

    GetNetworkInterfaces: () =>
      '<tds:GetNetworkInterfacesResponse><tds:NetworkInterfaces token="eth0"><tt:Enabled>true</tt:Enabled>' +
      `<tt:Info><tt:Name>eth0</tt:Name><tt:HwAddress>${macAddress(ctx.identity.serialNumber)}</tt:HwAddress><tt:MTU>1500</tt:MTU></tt:Info>` +
      '<tt:IPv4><tt:Enabled>true</tt:Enabled><tt:Config>' +
      `<tt:Manual><tt:Address>${esc(new URL(ctx.urls.service('device')).hostname)}</tt:Address><tt:PrefixLength>24</tt:PrefixLength></tt:Manual>` +
      '<tt:DHCP>false</tt:DHCP></tt:Config></tt:IPv4></tds:NetworkInterfaces></tds:GetNetworkInterfacesResponse>',

    GetNetworkProtocols: () => {
      const { http, rtsp } = ctx.ports();
      return (
        '<tds:GetNetworkProtocolsResponse>' +
        `<tds:NetworkProtocols><tt:Name>HTTP</tt:Name><tt:Enabled>true</tt:Enabled><tt:Port>${http}</tt:Port></tds:NetworkProtocols>` +
        `<tds:NetworkProtocols><tt:Name>RTSP</tt:Name><tt:Enabled>true</tt:Enabled><tt:Port>${rtsp}</tt:Port></tds:NetworkProtocols>` +
        '</tds:GetNetworkProtocolsResponse>'
      );
    },

    GetNTP: () =>
      '<tds:GetNTPResponse><tds:NTPInformation><tt:FromDHCP>false</tt:FromDHCP>' +
      '<tt:NTPManual><tt:Type>DNS</tt:Type><tt:DNSname>ntp.aliyun.com</tt:DNSname></tt:NTPManual></tds:NTPInformation></tds:GetNTPResponse>',

    GetWsdlUrl: () =>
      '<tds:GetWsdlUrlResponse><tds:WsdlUrl>http://www.onvif.org/</tds:WsdlUrl></tds:GetWsdlUrlResponse>',

    SystemReboot: (req) => {
      req.afterResponse(() => ctx.reboot());
      return '<tds:SystemRebootResponse><tds:Message>Rebooting</tds:Message></tds:SystemRebootResponse>';
    },
  };
}
