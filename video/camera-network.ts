// Where the server may talk to cameras. Registering a camera makes the server connect
// where it is told, and then follow the addresses the device reports (ONVIF XAddrs,
// stream and snapshot URIs): without a fence that is a way to reach the metadata
// service (169.254.169.254), the server's own ports on loopback, or anything else, and
// the kinds of failure tell an attacker which ports are open. CAMERA_NETWORKS lists the
// networks cameras live on; an address outside them is refused before any packet is
// sent, with one message whatever is (or is not) listening there. In production the
// loopback and link-local networks are refused even when listed.
import { BlockList, isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import { Unprocessable } from '../platform/errors.js';

/** Cameras sit on private networks by default; dev and test add loopback (the simulators). */
export const DEFAULT_CAMERA_NETWORKS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'];
const LOOPBACK = ['127.0.0.0/8', '::1/128'];
const LINK_LOCAL = ['169.254.0.0/16', 'fe80::/10'];
/** Never a camera: "this host", multicast, broadcast. */
const NEVER = ['0.0.0.0/8', '224.0.0.0/4', '255.255.255.255/32', '::/128', 'ff00::/8'];

export interface CameraNetworkSettings {
  /** CIDRs; empty or undefined: DEFAULT_CAMERA_NETWORKS (plus loopback outside production). */
  networks?: readonly string[];
  production: boolean;
}

function blockList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address, bits] = cidr.split('/');
    const type = isIP(address ?? '') === 6 ? 'ipv6' : 'ipv4';
    list.addSubnet(address!, Number(bits ?? (type === 'ipv6' ? 128 : 32)), type);
  }
  return list;
}

export { cidrProblem } from '../platform/cidr.js';

export class CameraNetworkPolicy {
  private readonly allowed: BlockList;
  private readonly refused: BlockList;

  constructor(readonly settings: CameraNetworkSettings) {
    const listed =
      settings.networks && settings.networks.length > 0
        ? [...settings.networks]
        : [...DEFAULT_CAMERA_NETWORKS, ...(settings.production ? [] : LOOPBACK)];
    this.allowed = blockList(listed);
    this.refused = blockList([...NEVER, ...(settings.production ? [...LOOPBACK, ...LINK_LOCAL] : [])]);
  }

  /** Whether an IP address (not a name) is one cameras may have. */
  allows(address: string): boolean {
    const ip = address.replace(/^\[|\]$/g, '').replace(/^::ffff:(?=\d+\.)/i, '');
    const family = isIP(ip);
    if (!family) return false;
    const type = family === 6 ? 'ipv6' : 'ipv4';
    return !this.refused.check(ip, type) && this.allowed.check(ip, type);
  }

  /**
   * Resolves a camera's host and answers the address to connect to; every address the
   * name resolves to must be allowed (a name that also points at loopback is refused).
   * One message for everything refused or unresolvable: it tells nothing about ports.
   */
  async resolve(host: string, port: number): Promise<string> {
    const refuse = () =>
      new Unprocessable(
        `${host}:${port} is not on the camera networks this server may reach (CAMERA_NETWORKS)`,
        { field: 'host', host, port },
        'camera_network_refused',
      );
    const bare = host.replace(/^\[|\]$/g, '');
    let addresses: string[];
    if (isIP(bare)) addresses = [bare];
    else {
      try {
        addresses = (await lookup(bare, { all: true, verbatim: true })).map((a) => a.address);
      } catch {
        throw refuse();
      }
    }
    if (addresses.length === 0 || !addresses.every((a) => this.allows(a))) throw refuse();
    return addresses[0]!;
  }

  /**
   * A URI the device reported (stream, snapshot, service address) may point at the
   * registered host itself or at an allowed network; a name other than the host's is not
   * followed (it could resolve anywhere).
   */
  allowsReported(uri: string, ownHosts: readonly string[]): boolean {
    let hostname: string;
    try {
      hostname = new URL(uri).hostname.replace(/^\[|\]$/g, '');
    } catch {
      return false;
    }
    for (const own of ownHosts) {
      const registered = own.replace(/^\[|\]$/g, '');
      if (hostname.toLowerCase() === registered.toLowerCase()) return isIP(registered) ? this.allows(registered) : true;
    }
    return this.allows(hostname);
  }

  /** 422 naming the first reported URI that leaves the camera networks (its host only, never the URI). */
  assertReported(uris: (string | null | undefined)[], ownHosts: readonly string[]): void {
    for (const uri of uris) {
      if (!uri || this.allowsReported(uri, ownHosts)) continue;
      let host = '?';
      try {
        host = new URL(uri).host;
      } catch {
        /* reported as '?' */
      }
      throw new Unprocessable(
        `The camera reported an address (${host}) off its own host and outside the camera networks; it is not followed`,
        { field: 'host', reportedHost: host },
        'camera_address_refused',
      );
    }
  }
}

/** What fenceServiceAddresses needs of the onvif library's Cam. */
interface LibraryCam {
  hostname: string;
  preserveAddress?: boolean;
  _parseUrl(address: string): { host?: string | null };
}

/**
 * Keeps the ONVIF services a device reports (XAddrs: media, PTZ, events) on the camera:
 * one off its host and outside the networks is replaced by the registered host and port
 * (the library's own preserveAddress), so a device cannot send the server elsewhere.
 */
export function fenceServiceAddresses(cam: LibraryCam, onRefused: (host: string) => void = () => undefined): void {
  const parse = cam._parseUrl.bind(cam);
  cam._parseUrl = (address: string) => {
    const parsed = parse(address);
    if (cameraNetworks().allowsReported(`http://${parsed.host ?? ''}/`, [cam.hostname])) return parsed;
    onRefused(parsed.host ?? '?');
    const saved = cam.preserveAddress;
    cam.preserveAddress = true;
    try {
      return parse(address);
    } finally {
      cam.preserveAddress = saved;
    }
  };
}

let current: CameraNetworkPolicy | null = null;

/** The process's policy: set at start from the config (composition), read by the camera code. */
export function cameraNetworks(): CameraNetworkPolicy {
  current ??= new CameraNetworkPolicy({
    production: process.env['NODE_ENV'] === 'production',
    networks: parseNetworks(process.env['CAMERA_NETWORKS']),
  });
  return current;
}

export function setCameraNetworks(policy: CameraNetworkPolicy): void {
  current = policy;
}

export function parseNetworks(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
