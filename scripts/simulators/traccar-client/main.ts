// Replays a recorded track as one phone running Traccar Client would send it:
//   npx tsx scripts/simulators/traccar-client/main.ts --server http://127.0.0.1:5055/ \
//     --id phone-1 --track track.json [--retry-s 30] [--clock-offset-s 3600] [--json] [--realtime]
// track.json: [{ "time": epoch ms or ISO, "lat": …, "lon": …, "speedMps"?, "accuracy"?, … }]
// Without --realtime every position is buffered at once (a phone back from an outage);
// with it, each is recorded at its time (relative to the first). Prints each attempt.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { TraccarClient, type PhonePosition } from './traccar-client.js';

const { values } = parseArgs({
  options: {
    server: { type: 'string', default: 'http://127.0.0.1:5055/' },
    id: { type: 'string' },
    track: { type: 'string' },
    'retry-s': { type: 'string', default: '30' },
    'clock-offset-s': { type: 'string', default: '0' },
    json: { type: 'boolean', default: false },
    realtime: { type: 'boolean', default: false },
  },
});
if (!values.id || !values.track) {
  console.error(
    'usage: main.ts --id DEVICE --track track.json [--server URL] [--retry-s 30] [--clock-offset-s 0] [--json] [--realtime]',
  );
  process.exit(2);
}
const track = (JSON.parse(readFileSync(values.track, 'utf8')) as (PhonePosition & { time: number | string })[]).map(
  (p) => ({
    ...p,
    time: typeof p.time === 'string' ? Date.parse(p.time) : p.time,
  }),
);
const client = new TraccarClient({
  serverUrl: values.server,
  deviceId: values.id,
  retryMs: Number(values['retry-s']) * 1000,
  protocol: values.json ? 'json' : 'query',
});
client.clockOffsetMs = Number(values['clock-offset-s']) * 1000;
let shown = 0;
const report = setInterval(() => {
  for (const a of client.attempts.slice(shown))
    console.log(`position #${a.bufferId}: ${a.status === 0 ? 'network error' : `HTTP ${a.status}`}`);
  shown = client.attempts.length;
}, 500);
const start = Date.now();
for (const p of track) {
  if (values.realtime)
    await new Promise((r) => setTimeout(r, Math.max(0, p.time - track[0]!.time - (Date.now() - start))));
  client.record(p);
}
process.on('SIGINT', () => void client.stop().then(() => process.exit(130)));
await client.drained();
clearInterval(report);
for (const a of client.attempts.slice(shown))
  console.log(`position #${a.bufferId}: ${a.status === 0 ? 'network error' : `HTTP ${a.status}`}`);
console.log(`delivered ${client.delivered.length} of ${track.length} positions in ${client.attempts.length} requests`);
