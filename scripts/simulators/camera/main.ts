// CLI: starts N simulated cameras and prints where they are.
//
//   npx tsx scripts/simulators/camera/main.ts --count 3 --ptz
//   npx tsx scripts/simulators/camera/main.ts --config cameras.json
//
// cameras.json: { "cameras": [ { "name": "东门广场", "ptz": true, "onvifPort": 8001 }, ... ],
//                 "controlPort": 9090 }   (camera fields: see SimulatedCameraOptions)
//
// Prints one `CAMERA {json}` line per camera, then `CONTROL http://…` and `READY`.
// The control port serves the /sim/ API of every camera under /cameras/<name>/,
// which keeps working while a camera is offline (its own port is closed then):
//   curl -X POST localhost:9090/cameras/cam-1/faults -d '{"offline":false}'
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { faultsPatchSchema, handleControl } from './control.js';
import { SimulatedCamera, type SimulatedCameraOptions } from './simulated-camera.js';

const DAY_MS = 86_400_000;
const port = z.number().int().min(0).max(65535);
const streamSchema = z
  .object({
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    fps: z.number().int().positive(),
    bitrateKbps: z.number().int().positive(),
  })
  .partial()
  .strict();

const cameraSchema = z
  .object({
    name: z.string().min(1),
    host: z.string().optional(),
    onvifPort: port.optional(),
    rtspPort: port.optional(),
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    ptz: z.boolean().optional(),
    highPosition: z.boolean().optional(),
    clockOffsetMs: z.number().optional(),
    maxClockSkewMs: z.number().positive().optional(),
    manufacturer: z.string().optional(),
    model: z.string().optional(),
    firmwareVersion: z.string().optional(),
    serialNumber: z.string().optional(),
    hardwareId: z.string().optional(),
    location: z.string().optional(),
    streams: z.object({ main: streamSchema, sub: streamSchema }).partial().strict().optional(),
    rtsp: z.boolean().optional(),
    snapshot: z.boolean().optional(),
    credentialsInUris: z.boolean().optional(),
    rtspAuth: z.enum(['digest', 'basic', 'both', 'none']).optional(),
    videoPattern: z
      .string()
      .regex(/^[a-z0-9-]+$/)
      .optional(),
    discovery: z.union([z.literal(false), z.object({ port: port.optional() }).strict()]).optional(),
    rebootMs: z.number().int().min(0).optional(),
    faults: faultsPatchSchema.optional(),
    maxSubscriptions: z.number().int().positive().optional(),
    sdCard: z
      .union([
        z.boolean(),
        z
          .object({
            spans: z.array(z.object({ fromMs: z.number(), toMs: z.number().nullable() }).strict()).optional(),
            token: z
              .string()
              .regex(/^[\w.-]{1,64}$/)
              .optional(),
          })
          .strict(),
      ])
      .optional(),
  })
  .strict();

const configSchema = z.object({ cameras: z.array(cameraSchema).min(1), controlPort: port.optional() }).strict();
type FleetConfig = { cameras: SimulatedCameraOptions[]; controlPort?: number };

const USAGE = `Usage: main.ts [--config file.json] | [--count N] [--name-prefix cam-] [--ptz] [--high-position]
  [--onvif-port BASE] [--rtsp-port BASE] [--username U] [--password P] [--clock-offset-days D]
  [--no-rtsp] [--no-snapshot] [--sd-card] [--discovery-port 3702] [--no-discovery] [--control-port 0]`;

async function loadConfig(argv: string[]): Promise<FleetConfig> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      count: { type: 'string', default: '1' },
      'name-prefix': { type: 'string', default: 'cam-' },
      ptz: { type: 'boolean', default: false },
      'high-position': { type: 'boolean', default: false },
      'onvif-port': { type: 'string', default: '0' },
      'rtsp-port': { type: 'string', default: '0' },
      username: { type: 'string' },
      password: { type: 'string' },
      'clock-offset-days': { type: 'string', default: '0' },
      'no-rtsp': { type: 'boolean', default: false },
      'no-snapshot': { type: 'boolean', default: false },
      'sd-card': { type: 'boolean', default: false },
      'discovery-port': { type: 'string' },
      'no-discovery': { type: 'boolean', default: false },
      'control-port': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const controlPort = values['control-port'] === undefined ? undefined : Number(values['control-port']);
  if (values.config) {
    const parsed = configSchema.safeParse(JSON.parse(await readFile(values.config, 'utf8')));
    if (!parsed.success) throw new Error(`Invalid ${values.config}:\n${z.prettifyError(parsed.error)}`);
    return { ...parsed.data, ...(controlPort !== undefined ? { controlPort } : {}) };
  }
  const count = Number(values.count);
  const onvifBase = Number(values['onvif-port']);
  const rtspBase = Number(values['rtsp-port']);
  const cameras = Array.from({ length: count }, (_, i): SimulatedCameraOptions => ({
    name: `${values['name-prefix']}${i + 1}`,
    onvifPort: onvifBase ? onvifBase + i : 0,
    rtspPort: rtspBase ? rtspBase + i : 0,
    ptz: values.ptz,
    highPosition: values['high-position'],
    clockOffsetMs: Number(values['clock-offset-days']) * DAY_MS,
    rtsp: !values['no-rtsp'],
    ...(values['no-snapshot'] ? { snapshot: false } : {}),
    ...(values['sd-card'] ? { sdCard: true } : {}),
    ...(values.username ? { username: values.username } : {}),
    ...(values.password ? { password: values.password } : {}),
    discovery: values['no-discovery']
      ? false
      : { ...(values['discovery-port'] ? { port: Number(values['discovery-port']) } : {}) },
  }));
  return configSchema.parse({ cameras, ...(controlPort !== undefined ? { controlPort } : {}) });
}

/** One port controlling every camera, reachable even when a camera is offline. */
async function startControlServer(cameras: Map<string, SimulatedCamera>, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://control.invalid');
        const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
        let reply;
        if (parts.length === 1 && parts[0] === 'cameras') {
          reply = {
            status: 200,
            body: JSON.stringify([...cameras.values()].map((c) => c.state())),
            headers: { 'Content-Type': 'application/json' },
          };
        } else if (parts[0] === 'cameras' && parts[1] && cameras.has(parts[1])) {
          const after = (fn: () => void): void => void res.once('finish', fn);
          reply = await handleControl(
            cameras.get(parts[1])!,
            req.method ?? 'GET',
            parts.slice(2).join('/'),
            Buffer.concat(chunks).toString('utf8'),
            after,
          );
        } else {
          reply = { status: 404, body: '{"error":"unknown camera"}', headers: { 'Content-Type': 'application/json' } };
        }
        res.writeHead(reply.status, reply.headers).end(reply.body);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

async function main(): Promise<void> {
  const config = await loadConfig(process.argv.slice(2));
  const cameras = new Map<string, SimulatedCamera>();
  const shutdown = async (code: number): Promise<never> => {
    await Promise.allSettled([...cameras.values()].map((c) => c.stop()));
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  try {
    // Sequential: each start spawns a GStreamer process; a burst would spike the CPU.
    for (const options of config.cameras) {
      if (cameras.has(options.name)) throw new Error(`duplicate camera name ${options.name}`);
      const camera = await SimulatedCamera.start(options);
      cameras.set(options.name, camera);
      console.log(
        `CAMERA ${JSON.stringify({ ...camera.state(), password: camera.password, rtspWithCredentials: camera.rtspUrl('main', true) })}`,
      );
    }
    const control = await startControlServer(cameras, config.controlPort ?? 0);
    console.log(`CONTROL http://127.0.0.1:${(control.address() as AddressInfo).port}/cameras`);
    console.log('READY');
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    await shutdown(1);
  }
}

await main();
