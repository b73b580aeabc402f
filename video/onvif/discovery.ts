// WS-Discovery (2005/04, as ONVIF uses it): one Probe for NetworkVideoTransmitter,
// ProbeMatches collected for a while, one entry per device endpoint.
//
// Not the `onvif` library's Discovery.probe(): it multicasts through the
// default route. Here the Probe leaves through the interface we are told
// (IP_MULTICAST_IF), and on loopback with TTL 0 so nothing can reach a wire.
import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import { XMLParser } from 'fast-xml-parser';
import { onvifError } from './errors.js';

export const WS_DISCOVERY_GROUP = '239.255.255.250';
export const WS_DISCOVERY_PORT = 3702;
const NS_DISCOVERY = 'http://schemas.xmlsoap.org/ws/2005/04/discovery';
/** WS-Discovery repeats a multicast message once (UDP_MULTICAST_REPEAT): one lost datagram must not hide a camera. */
const REPEAT_GAP_MS = 100;

export interface ProbeOptions {
  /** Interface the Probe leaves from and answers come back to (default 127.0.0.1). */
  interfaceAddress?: string;
  /** Default 3702. */
  port?: number;
  /** How long answers are collected (default 1500 ms; devices wait up to 500 ms before answering). */
  timeoutMs?: number;
  /** Send the Probe to this address instead of the multicast group (a camera on another subnet). */
  unicastTo?: string;
  /** Restrict to devices having these scopes, e.g. "onvif://www.onvif.org/type/ptz". */
  scopes?: string[];
}

export interface DiscoveredCamera {
  /** Endpoint reference, e.g. "urn:uuid:…"; stable across reboots and address changes. */
  endpoint: string;
  /** Device service addresses, e.g. "http://192.168.1.64/onvif/device_service". */
  xaddrs: string[];
  /** Raw scope URIs. */
  scopes: string[];
  types: string[];
  /** Decoded onvif://www.onvif.org/name/… scope. */
  name: string | null;
  /** Decoded onvif://www.onvif.org/hardware/… scope (the model). */
  hardware: string | null;
  /** Decoded first onvif://www.onvif.org/location/… scope, e.g. "城关镇/东门". */
  location: string | null;
  /** Address the answer came from. */
  from: string;
}

function xmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function probeMessage(messageId: string, scopes: readonly string[] = []): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" ' +
    `xmlns:d="${NS_DISCOVERY}" xmlns:dn="http://www.onvif.org/ver10/network/wsdl">` +
    `<s:Header><a:MessageID>${xmlEscape(messageId)}</a:MessageID><a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>` +
    `<a:Action>${NS_DISCOVERY}/Probe</a:Action></s:Header>` +
    '<s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types>' +
    (scopes.length ? `<d:Scopes>${scopes.map(xmlEscape).join(' ')}</d:Scopes>` : '') +
    '</d:Probe></s:Body></s:Envelope>'
  );
}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => name === 'ProbeMatch',
});

type Node = Record<string, unknown>;
const node = (v: unknown): Node | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Node) : undefined;
function text(v: unknown): string {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number') return String(v);
  const n = node(v);
  return n && '#text' in n ? text(n['#text']) : '';
}
const words = (v: unknown): string[] => text(v).split(/\s+/).filter(Boolean);

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** name, hardware and location from onvif://www.onvif.org/<kind>/<percent-encoded value> scopes. */
export function decodeScopes(scopes: readonly string[]): Pick<DiscoveredCamera, 'name' | 'hardware' | 'location'> {
  const first = (kind: string): string | null => {
    const prefix = `onvif://www.onvif.org/${kind}/`;
    const scope = scopes.find((s) => s.toLowerCase().startsWith(prefix));
    return scope === undefined ? null : scope.slice(prefix.length).split('/').map(decode).join('/');
  };
  return { name: first('name'), hardware: first('hardware'), location: first('location') };
}

/** ProbeMatches of one datagram; those relating to another probe are left out. */
export function parseProbeMatches(xml: string, messageId: string | undefined, from: string): DiscoveredCamera[] {
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch {
    return []; // not XML: ignore, as the protocol asks
  }
  const envelope = node(node(doc)?.Envelope);
  const relatesTo = text(node(envelope?.Header)?.RelatesTo);
  if (messageId !== undefined && relatesTo && relatesTo !== messageId) return [];
  const matches = node(node(envelope?.Body)?.ProbeMatches)?.ProbeMatch;
  const out: DiscoveredCamera[] = [];
  for (const m of Array.isArray(matches) ? matches : []) {
    const endpoint = text(node(node(m)?.EndpointReference)?.Address);
    if (!endpoint) continue;
    const scopes = words(node(m)?.Scopes);
    out.push({
      endpoint,
      xaddrs: words(node(m)?.XAddrs),
      scopes,
      types: words(node(m)?.Types),
      ...decodeScopes(scopes),
      from,
    });
  }
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends a Probe and collects the answers for timeoutMs; one entry per endpoint (the latest answer wins). */
export async function probe(options: ProbeOptions = {}): Promise<DiscoveredCamera[]> {
  const iface = options.interfaceAddress ?? '127.0.0.1';
  const port = options.port ?? WS_DISCOVERY_PORT;
  const destination = options.unicastTo ?? WS_DISCOVERY_GROUP;
  const messageId = `urn:uuid:${randomUUID()}`;
  const found = new Map<string, DiscoveredCamera>();
  const ctx = { camera: `${destination}:${port}`, operation: 'WS-Discovery Probe' };

  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    for (const match of parseProbeMatches(msg.toString('utf8'), messageId, rinfo.address))
      found.set(match.endpoint, match);
  });
  socket.on('error', () => undefined); // e.g. ICMP port unreachable after a unicast probe: just no answer
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, iface, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    if (options.unicastTo === undefined) {
      socket.setMulticastInterface(iface);
      // Loopback: TTL 0 keeps it on this host whatever the routes say. A LAN: one hop, as ONVIF asks.
      socket.setMulticastTTL(iface.startsWith('127.') ? 0 : 1);
    }
    const message = Buffer.from(probeMessage(messageId, options.scopes));
    for (let i = 0; i < 2; i++) {
      if (i > 0) await sleep(REPEAT_GAP_MS);
      await new Promise<void>((resolve, reject) =>
        socket.send(message, port, destination, (err) => (err ? reject(err) : resolve())),
      );
    }
    await sleep(Math.max(0, (options.timeoutMs ?? 1500) - REPEAT_GAP_MS));
  } catch (err) {
    throw onvifError(
      'unreachable',
      ctx,
      `cannot probe from ${iface}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  } finally {
    socket.close();
  }
  return [...found.values()];
}
