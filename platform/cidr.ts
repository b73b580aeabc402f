// CIDR syntax, checked where settings are read (CAMERA_NETWORKS) and where they are used.
import { isIP } from 'node:net';

/** A CIDR as CAMERA_NETWORKS takes it ("10.20.0.0/16", "fd00::/8", "192.168.1.7"), or an error message. */
export function cidrProblem(cidr: string): string | null {
  const [address, bits, extra] = cidr.trim().split('/');
  const family = isIP(address ?? '');
  if (!family || extra !== undefined) return `"${cidr}" is not an address or CIDR`;
  if (bits !== undefined && (!/^\d+$/.test(bits) || Number(bits) > (family === 6 ? 128 : 32)))
    return `"${cidr}" has a bad prefix length`;
  return null;
}
