// The simulator's own control API (not ONVIF): JSON over HTTP under /sim/ on
// each camera's port, and under /cameras/<name>/ on the CLI's control port
// (which keeps working while a camera is "offline").
//
//   GET  state            -> camera state (faults, PTZ, ports)
//   POST faults  {...}    -> merge fault switches, returns the new faults
//   POST events  {...}    -> raise an ONVIF event, e.g. {"topic":"motion","state":true}
//   POST reboot           -> power-cycle
import { z } from 'zod';
import type { HttpReply } from './soap/router.js';
import type { CameraEventInput, CameraFaults } from './types.js';

export const faultsPatchSchema = z
  .object({
    delayMs: z.number().int().min(0).max(600_000),
    dropConnections: z.boolean(),
    offline: z.boolean(),
    notOnvif: z.boolean(),
    profilesWithoutRtsp: z.array(z.enum(['main', 'sub'])),
    snapshotFails: z.boolean(),
  })
  .partial()
  .strict();

export const eventInputSchema = z.discriminatedUnion('topic', [
  z.object({ topic: z.literal('motion'), state: z.boolean() }).strict(),
  z.object({ topic: z.literal('tamper'), state: z.boolean() }).strict(),
  z.object({ topic: z.literal('intrusion'), state: z.boolean(), rule: z.string().min(1).optional() }).strict(),
  z
    .object({
      topic: z.literal('lineCrossing'),
      rule: z.string().min(1).optional(),
      objectId: z.number().int().min(0).optional(),
    })
    .strict(),
]);

/** What the control API needs of a camera. */
export interface ControllableCamera {
  state(): object;
  setFaults(patch: Partial<CameraFaults>): Promise<CameraFaults>;
  emitEvent(event: CameraEventInput): void;
  reboot(): Promise<void>;
}

const json = (status: number, value: unknown): HttpReply => ({
  status,
  body: JSON.stringify(value),
  headers: { 'Content-Type': 'application/json; charset=utf-8' },
});

function parseJson(body: string): unknown {
  if (!body.trim()) return {};
  return JSON.parse(body) as unknown;
}

/**
 * @param afterResponse runs a change once the reply is out; needed when the
 *   change (offline, reboot) closes the very connection the reply goes on.
 */
export async function handleControl(
  camera: ControllableCamera,
  method: string,
  subPath: string,
  body: string,
  afterResponse: (fn: () => void) => void,
): Promise<HttpReply> {
  const route = `${method} ${subPath.replace(/\/+$/, '')}`;
  let input: unknown;
  try {
    input = parseJson(body);
  } catch {
    return json(400, { error: 'body is not JSON' });
  }
  switch (route) {
    case 'GET state':
      return json(200, camera.state());
    case 'POST faults': {
      const patch = faultsPatchSchema.safeParse(input);
      if (!patch.success) return json(400, { error: z.prettifyError(patch.error) });
      if (patch.data.offline === true) {
        // Going offline closes this port: answer first, then cut the power.
        afterResponse(() => void camera.setFaults(patch.data).catch(() => undefined));
        return json(202, { accepted: patch.data });
      }
      return json(200, await camera.setFaults(patch.data));
    }
    case 'POST events': {
      const event = eventInputSchema.safeParse(input);
      if (!event.success) return json(400, { error: z.prettifyError(event.error) });
      camera.emitEvent(event.data);
      return json(200, { emitted: event.data });
    }
    case 'POST reboot':
      afterResponse(() => void camera.reboot().catch(() => undefined));
      return json(202, { rebooting: true });
    default:
      return json(404, { error: `no route ${route}` });
  }
}
