// The fake SMS gateway as a process, for the demo: prints every message it accepts.
//   npx tsx scripts/simulators/sms-gateway/main.ts [--port 8099]
// Point the system at it: NOTIFY_SMS_PROVIDER=aliyun SMS_ENDPOINT=http://127.0.0.1:8099
//   SMS_ACCESS_KEY_ID=demo SMS_ACCESS_KEY_SECRET=demo-secret
import { parseArgs } from 'node:util';
import { FakeSmsGateway } from './fake-gateway.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8099' },
    'access-key-id': { type: 'string', default: process.env['SMS_ACCESS_KEY_ID'] ?? 'demo' },
    'access-key-secret': { type: 'string', default: process.env['SMS_ACCESS_KEY_SECRET'] ?? 'demo-secret' },
  },
});
const gateway = await new FakeSmsGateway({
  accessKeyId: values['access-key-id'],
  accessKeySecret: values['access-key-secret'],
  port: Number(values.port),
}).start();
console.log(`fake SMS gateway (Aliyun dysmsapi) on ${gateway.url}`);
let shown = 0;
setInterval(() => {
  for (const m of gateway.received.slice(shown))
    console.log(`${m.at.toISOString()} → ${m.phone} 【${m.signName}】${m.templateCode} ${JSON.stringify(m.params)}`);
  for (const r of gateway.refused.splice(0)) console.log(`refused: ${r.code} ${r.message}`);
  shown = gateway.received.length;
}, 500);
