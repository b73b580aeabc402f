// The 12345 hotline of the demo: its call-taking system files what citizens phone in
// as Open311 service requests (form-encoded, with the hotline's API key), one every
// HOTLINE_EVERY_S seconds at a random place inside the demo town's grids, so the
// command room's queue and the gridworkers' phones have work to do. Every other call
// comes as most real ones do, with an address and no point (from the demo town's
// address test set): the gazetteer places it, or it waits as 待定位 on the dispatch page.
import { readFile } from 'node:fs/promises';
import { bbox, booleanPointInPolygon, randomPosition } from '@turf/turf';
import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import { DEMO_OPEN311_KEY } from './demo-files.js';

const API = process.env['API_URL'] ?? `http://127.0.0.1:${process.env['PORT'] ?? 8080}`;
const EVERY_MS = Number(process.env['HOTLINE_EVERY_S'] ?? 90) * 1000;

const CALLS: [string, string][] = [
  ['environment.garbage', '小区门口垃圾堆了好几天没人清理，气味很大'],
  ['services.streetlight', '村口那段路的路灯坏了，晚上很黑'],
  ['traffic.parking', '有车停在消防通道上，进出不方便'],
  ['dispute.neighbour', '楼上装修噪音太大，协商不成'],
  ['market.prices', '菜市场有摊位缺斤少两'],
  ['environment.sewage', '河边有管子往河里排污水'],
  ['services.elderly', '隔壁独居老人两天没出门了，请去看看'],
  ['traffic.road_damage', '路面塌了一个坑，电瓶车容易摔'],
  ['fire.blocked_exit', '楼道里堆满杂物，堵住了安全出口'],
];

function randomPointIn(grids: Feature<Polygon | MultiPolygon>[]): [number, number] {
  const grid = grids[Math.floor(Math.random() * grids.length)]!;
  for (;;) {
    const [lon, lat] = randomPosition(bbox(grid) as [number, number, number, number]) as [number, number];
    if (booleanPointInPolygon([lon, lat], grid)) return [lon, lat];
  }
}

async function main(): Promise<void> {
  const key = (await readFile(DEMO_OPEN311_KEY, 'utf8')).trim();
  const grids = (
    JSON.parse(await readFile('fixtures/hangbu/grids.geojson', 'utf8')) as FeatureCollection<Polygon | MultiPolygon>
  ).features;
  const addresses = (JSON.parse(await readFile('fixtures/hangbu/addresses.json', 'utf8')) as { address: string }[]).map(
    (a) => a.address,
  );
  console.log(`READY the 12345 hotline files a citizen's call every ${EVERY_MS / 1000} s`);
  let calls = 0;
  const call = async () => {
    const [code, text] = CALLS[Math.floor(Math.random() * CALLS.length)]!;
    const [lon, lat] = randomPointIn(grids);
    const where: Record<string, string> =
      ++calls % 2 === 0
        ? { address_string: addresses[Math.floor(Math.random() * addresses.length)]! }
        : { lat: lat.toFixed(6), long: lon.toFixed(6) };
    const form = new URLSearchParams({
      api_key: key,
      service_code: code,
      description: text,
      ...where,
      first_name: '市民',
      phone: `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
    });
    const res = await fetch(`${API}/open311/v2/requests.json`, { method: 'POST', body: form });
    const body = (await res.json()) as { service_request_id?: string; description?: string }[];
    console.log(
      res.ok ? `request ${body[0]?.service_request_id}: ${code}` : `refused ${res.status}: ${body[0]?.description}`,
    );
  };
  const timer = setInterval(
    () => void call().catch((err: unknown) => console.error(`call failed: ${(err as Error).message}`)),
    EVERY_MS,
  );
  setTimeout(() => void call().catch(() => undefined), 5000);
  const stop = () => {
    clearInterval(timer);
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
