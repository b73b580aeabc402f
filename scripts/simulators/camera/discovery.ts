// WS-Discovery (2005/04, as ONVIF uses it): a responder per camera that answers
// Probe messages with a ProbeMatch, and a loopback probe client.
//
// Network rule of this project's machines: nothing but loopback. Responders
// join 239.255.255.250 on the loopback interface only and answer loopback
// senders only; the probe client sends its multicast out of 127.0.0.1 with
// TTL 0, which Linux delivers to local listeners and never to a wire. Several
// responders share the port (SO_REUSEADDR): all of them see a multicast probe,
// while a unicast probe to 127.0.0.1:port reaches only one of them.
import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import { child, children, esc, parseXml, path, text } from './soap/xml.js';

export const WS_DISCOVERY_GROUP = '239.255.255.250';
export const WS_DISCOVERY_PORT = 3702;
const LOOPBACK = '127.0.0.1';
const NS_DISCOVERY = 'http://schemas.xmlsoap.org/ws/2005/04/discovery';
const NS_ADDRESSING = 'http://schemas.xmlsoap.org/ws/2004/08/addressing';
const DEVICE_TYPES = ['dn:NetworkVideoTransmitter', 'tds:Device'];
/** Responders wait a random moment before answering a multicast probe (APP_MAX_DELAY is 500 ms). */
const MAX_REPLY_DELAY_MS = 200;

export interface DiscoveryTarget {
  /** "urn:uuid:…", stable across restarts like a real device's. */
  endpoint: string;
  xaddrs(): string[];
  scopes(): string[];
  /** False while the camera is offline or not speaking ONVIF. */
  answering(): boolean;
}

export interface DiscoveryOptions {
  port?: number;
  /** Interface whose multicast group membership is taken. */
  interfaceAddress?: string;
  /** Answer probes from non-loopback senders too (never needed on this project's hosts). */
  allowRemote?: boolean;
}

function envelope(action: string, header: string, body: string, messageId = `urn:uuid:${randomUUID()}`): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="${NS_ADDRESSING}" xmlns:d="${NS_DISCOVERY}" ` +
    'xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl">' +
    `<SOAP-ENV:Header><wsa:MessageID>${messageId}</wsa:MessageID>${header}` +
    `<wsa:Action>${NS_DISCOVERY}/${action}</wsa:Action></SOAP-ENV:Header>` +
    `<SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>`
  );
}

const localName = (qname: string): string => qname.slice(qname.indexOf(':') + 1);
const words = (s: string | undefined): string[] => (s ?? '').split(/\s+/).filter(Boolean);

/** RFC 3986 scope matching (the default MatchBy): segment-wise prefix. */
function scopeMatches(wanted: string, offered: string): boolean {
  const w = wanted.replace(/\/+$/, '');
  return offered === w || offered.startsWith(`${w}/`);
}

export class DiscoveryResponder {
  private messageNumber = 0;
  private readonly instanceId = Math.floor(Date.now() / 1000);

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly target: DiscoveryTarget,
    private readonly allowRemote: boolean,
  ) {
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
  }

  static async start(target: DiscoveryTarget, options: DiscoveryOptions = {}): Promise<DiscoveryResponder> {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      // Bound to the wildcard: a socket bound to 127.0.0.1 would not see datagrams sent to the group.
      socket.bind(options.port ?? WS_DISCOVERY_PORT, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', () => undefined); // a late ICMP error must not crash the camera
    socket.addMembership(WS_DISCOVERY_GROUP, options.interfaceAddress ?? LOOPBACK);
    return new DiscoveryResponder(socket, target, options.allowRemote ?? false);
  }

  get port(): number {
    return this.socket.address().port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (!this.target.answering()) return;
    if (!this.allowRemote && !rinfo.address.startsWith('127.')) return;
    let probe: { messageId: string; types: string[]; scopes: string[] } | undefined;
    try {
      const env = child(parseXml(msg.toString('utf8')), 'Envelope');
      const body = child(child(env, 'Body'), 'Probe');
      if (body === undefined) return;
      probe = {
        messageId: path(env, 'Header', 'MessageID') ?? '',
        types: words(path(body, 'Types')),
        scopes: words(path(body, 'Scopes')),
      };
    } catch {
      return; // not XML: ignore like a device would
    }
    const ourTypes = DEVICE_TYPES.map(localName);
    if (!probe.types.every((t) => ourTypes.includes(localName(t)))) return;
    const scopes = this.target.scopes();
    if (!probe.scopes.every((w) => scopes.some((o) => scopeMatches(w, o)))) return;

    const reply = Buffer.from(this.probeMatch(probe.messageId, scopes));
    const delay = Math.floor(Math.random() * MAX_REPLY_DELAY_MS);
    setTimeout(() => this.socket.send(reply, rinfo.port, rinfo.address, () => undefined), delay).unref();
  }

  private probeMatch(relatesTo: string, scopes: string[]): string {
    const header =
      `<wsa:RelatesTo>${esc(relatesTo)}</wsa:RelatesTo><wsa:To>${NS_ADDRESSING}/role/anonymous</wsa:To>` +
      `<d:AppSequence InstanceId="${this.instanceId}" MessageNumber="${++this.messageNumber}"/>`;
    const body =
      '<d:ProbeMatches><d:ProbeMatch>' +
      `<wsa:EndpointReference><wsa:Address>${esc(this.target.endpoint)}</wsa:Address></wsa:EndpointReference>` +
      `<d:Types>${DEVICE_TYPES.join(' ')}</d:Types><d:Scopes>${scopes.map(esc).join(' ')}</d:Scopes>` +
      `<d:XAddrs>${this.target.xaddrs().map(esc).join(' ')}</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion>` +
      '</d:ProbeMatch></d:ProbeMatches>';
    return envelope('ProbeMatches', header, body);
  }
}

export interface ProbeMatch {
  endpoint: string;
  xaddrs: string[];
  scopes: string[];
  types: string[];
}

export interface ProbeOptions {
  port?: number;
  /** How long to collect answers. */
  timeoutMs?: number;
  /** Multicast on loopback (default: every camera answers) or unicast to 127.0.0.1 (one answers). */
  mode?: 'multicast' | 'unicast';
  types?: string[];
  scopes?: string[];
}

/**
 * Sends one WS-Discovery Probe over loopback and collects ProbeMatches, one
 * per endpoint. This is how a discovery client must probe on this machine.
 */
export async function probe(options: ProbeOptions = {}): Promise<ProbeMatch[]> {
  const port = options.port ?? WS_DISCOVERY_PORT;
  const socket = dgram.createSocket('udp4');
  const found = new Map<string, ProbeMatch>();
  const messageId = `urn:uuid:${randomUUID()}`;
  socket.on('error', () => undefined); // an unreachable port is just "no answer"
  socket.on('message', (msg) => {
    for (const match of parseProbeMatches(msg.toString('utf8'), messageId)) found.set(match.endpoint, match);
  });
  await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, resolve));
  const request = envelope(
    'Probe',
    `<wsa:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To>`,
    `<d:Probe><d:Types>${(options.types ?? ['dn:NetworkVideoTransmitter']).join(' ')}</d:Types>` +
      (options.scopes?.length ? `<d:Scopes>${options.scopes.map(esc).join(' ')}</d:Scopes>` : '') +
      '</d:Probe>',
    messageId,
  );
  let destination = LOOPBACK;
  if ((options.mode ?? 'multicast') === 'multicast') {
    socket.setMulticastInterface(LOOPBACK);
    socket.setMulticastTTL(0); // local delivery only, whatever the routing table says
    destination = WS_DISCOVERY_GROUP;
  }
  await new Promise<void>((resolve, reject) =>
    socket.send(request, port, destination, (err) => (err ? reject(err) : resolve())),
  );
  await new Promise((resolve) => setTimeout(resolve, options.timeoutMs ?? 1000));
  socket.close();
  return [...found.values()];
}

function parseProbeMatches(xml: string, messageId: string): ProbeMatch[] {
  try {
    const env = child(parseXml(xml), 'Envelope');
    if (path(env, 'Header', 'RelatesTo') !== messageId) return [];
    return children(child(child(env, 'Body'), 'ProbeMatches'), 'ProbeMatch').map((m) => ({
      endpoint: path(m, 'EndpointReference', 'Address') ?? '',
      xaddrs: words(text(child(m, 'XAddrs'))),
      scopes: words(text(child(m, 'Scopes'))),
      types: words(text(child(m, 'Types'))),
    }));
  } catch {
    return [];
  }
}
