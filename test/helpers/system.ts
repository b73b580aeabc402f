// Small helpers the tests share: waiting, free ports, whether a process lives.
import dgram from 'node:dgram';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What `fn` answers once it answers something truthy (asked every 100 ms), or an error after `ms`. */
/** Asks `fn` every 100 ms until it answers something truthy (a count of 0 is "not yet"). */
export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** A UDP port nobody uses right now on loopback (for WS-Discovery in tests). */
export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
