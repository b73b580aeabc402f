import type { Db } from '../platform/db/pool.js';
import { CamerasRepository } from './cameras.repository.js';
import { probe } from './onvif/discovery.js';

/** WS-Discovery on the configured interface, minus the cameras already registered. */
export class CameraDiscovery {
  constructor(
    private readonly db: Db,
    private readonly options: { interfaceAddress: string; port: number },
  ) {}

  async unregistered(timeoutMs: number) {
    const [found, known] = await Promise.all([
      probe({ interfaceAddress: this.options.interfaceAddress, port: this.options.port, timeoutMs }),
      new CamerasRepository(this.db).addresses(),
    ]);
    const registered = new Set(known.map((k) => `${k.host}:${k.port}`));
    // The installer gets the address to type (host, port) and what the device says it
    // is, not its service URLs or raw scopes: no camera URL reaches the browser.
    return found
      .map((d) => {
        const xaddr = d.xaddrs[0] ? new URL(d.xaddrs[0]) : null;
        const host = xaddr?.hostname ?? '';
        const port = Number(xaddr?.port || 80);
        return { endpoint: d.endpoint, name: d.name, hardware: d.hardware, location: d.location, host, port };
      })
      .filter((d) => d.host && !registered.has(`${d.host}:${d.port}`));
  }
}
