// CLI: a simulated camera answering as a real model recorded it, for installers
// to practise registering real cameras and for the demo.
//
//   npx tsx scripts/simulators/camera/recorded-main.ts --model SUNBA
//   npx tsx scripts/simulators/camera/recorded-main.ts --model ENP1A14-IR_25X --port 8001 --clock-offset-hours 3
//   npx tsx scripts/simulators/camera/recorded-main.ts --folder my-recordings/CAM --digest-only --no-rtsp
//
// Models: the folders of fixtures/onvif-recordings/. Prints one `CAMERA {json}`
// line (ONVIF address, RTSP port, credentials) and `READY`; stops on SIGINT/SIGTERM.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RecordedCamera } from './recorded-camera.js';

const RECORDINGS = fileURLToPath(new URL('../../../fixtures/onvif-recordings', import.meta.url));

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    folder: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    'rtsp-port': { type: 'string', default: '0' },
    username: { type: 'string', default: 'admin' },
    password: { type: 'string', default: 'admin12345' },
    'clock-offset-hours': { type: 'string', default: '0' },
    'digest-only': { type: 'boolean', default: false },
    'no-rtsp': { type: 'boolean', default: false },
  },
});

const models = readdirSync(RECORDINGS).filter((m) => existsSync(path.join(RECORDINGS, m, 'device_management')));
const folder = values.folder ?? (values.model ? path.join(RECORDINGS, values.model) : undefined);
if (!folder || !existsSync(folder)) {
  console.error(`give --model (${models.join(', ')}) or --folder <recorded answers>`);
  process.exit(2);
}
const number = (name: string, text: string): number => {
  const n = Number(text);
  if (!Number.isFinite(n)) {
    console.error(`--${name} must be a number, got ${text}`);
    process.exit(2);
  }
  return n;
};

const cam = await RecordedCamera.start({
  folder,
  host: values.host,
  onvifPort: number('port', values.port),
  rtspPort: number('rtsp-port', values['rtsp-port']),
  username: values.username,
  password: values.password,
  clockOffsetMs: number('clock-offset-hours', values['clock-offset-hours']) * 3_600_000,
  authentication: values['digest-only'] ? 'http-digest-only' : 'ws-security',
  rtsp: !values['no-rtsp'],
});
console.log(
  `CAMERA ${JSON.stringify({ model: path.basename(folder), xaddr: cam.xaddr, onvifPort: cam.onvifPort, rtspPort: cam.rtspPort ?? null, username: values.username, password: values.password })}`,
);
console.log('READY');
const stop = (): void => void cam.stop().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
