// CLI: the phones of one town's gridworkers, from the server's roster, until Ctrl-C.
//
//   npx tsx scripts/simulators/gridworkers/main.ts --api http://127.0.0.1:8080 \
//     --osmand http://127.0.0.1:5055 --town 330802101 --username admin --password ... \
//     [--interval 10] [--limit N] [--time-scale 1] [--streets fixtures/hangbu/roads.geojson]
//
// Without the API (benchmarks): --grids fixtures/hangbu/grids.geojson --count 10000
// Prints `READY n walkers`, then a stats line every 30 s (real time).
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { fetchRoster, readGeoJsonIfExists, rosterFromGrids } from './roster.js';
import { GridworkerSimulator, type GridworkerSimulatorOptions, type SimulatorStats } from './simulator.js';
import { TaskResponder } from './task-responder.js';

/** `{identifier: token}` as the demo seed writes it; a missing file means no task answering. */
async function readTokens(file: string): Promise<Map<string, string> | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  return text ? new Map(Object.entries(JSON.parse(text) as Record<string, string>)) : null;
}

const USAGE = `Usage: main.ts --town CODE --api URL (--username U --password P | --token T)
       main.ts --grids grids.geojson --count N
  [--osmand http://127.0.0.1:5055] [--interval 10] [--limit N] [--time-scale 1]
  [--streets fixtures/hangbu/roads.geojson] [--ebike-share 0.1] [--json-share 0.25]
  [--clock-fault-share 0.05] [--gaps-per-hour 0.5] [--max-sockets 64] [--seed N]
The password may also come from the environment variable GRIDWORKERS_PASSWORD.`;

function number(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, not ${value}`);
  return n;
}

function format(s: SimulatorStats): string {
  const refused =
    Object.entries(s.refused)
      .map(([status, n]) => `${status}:${n}`)
      .join(',') || '0';
  return (
    `STATS ${new Date(s.simTime).toISOString()} walkers=${s.walkers} generated=${s.generated} sent=${s.sent} ` +
    `delivered=${s.delivered} refused=${refused} retried=${s.retried} netErrors=${s.networkErrors} ` +
    `buffered=${s.buffered} inFlight=${s.inFlight} maxLagMs=${s.maxLagMs}`
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      api: { type: 'string' },
      osmand: { type: 'string', default: 'http://127.0.0.1:5055' },
      town: { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      token: { type: 'string' },
      grids: { type: 'string' },
      count: { type: 'string' },
      interval: { type: 'string', default: '10' },
      limit: { type: 'string' },
      'time-scale': { type: 'string', default: '1' },
      streets: { type: 'string', default: 'fixtures/hangbu/roads.geojson' },
      'ebike-share': { type: 'string' },
      'json-share': { type: 'string' },
      'clock-fault-share': { type: 'string' },
      'gaps-per-hour': { type: 'string' },
      'max-sockets': { type: 'string' },
      seed: { type: 'string' },
      'phone-tokens': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }

  let roster;
  if (values.grids) {
    const grids: unknown = JSON.parse(await readFile(values.grids, 'utf8'));
    roster = rosterFromGrids(grids, number(values.count, 'count') ?? 100);
  } else {
    if (!values.api || !values.town) throw new Error(`--api and --town are needed\n${USAGE}`);
    roster = await fetchRoster({
      api: values.api,
      townCode: values.town,
      ...(values.token ? { token: values.token } : {}),
      ...(values.username ? { username: values.username } : {}),
      ...((values.password ?? process.env['GRIDWORKERS_PASSWORD'])
        ? { password: values.password ?? process.env['GRIDWORKERS_PASSWORD'] }
        : {}),
    });
  }
  const limit = number(values.limit, 'limit');
  if (limit !== undefined) roster = roster.slice(0, limit);
  if (roster.length === 0) throw new Error('nobody to simulate: no person with both a device and a grid');

  const streets = await readGeoJsonIfExists(values.streets);
  const options: GridworkerSimulatorOptions = {
    roster,
    osmandUrl: values.osmand,
    intervalMs: number(values.interval, 'interval')! * 1000,
    timeScale: number(values['time-scale'], 'time-scale')!,
  };
  if (streets) options.streets = streets;
  const ebikeShare = number(values['ebike-share'], 'ebike-share');
  if (ebikeShare !== undefined) options.ebikeShare = ebikeShare;
  const jsonShare = number(values['json-share'], 'json-share');
  if (jsonShare !== undefined) options.jsonShare = jsonShare;
  const clockFaultShare = number(values['clock-fault-share'], 'clock-fault-share');
  if (clockFaultShare !== undefined) options.clockFaultShare = clockFaultShare;
  const gapsPerHour = number(values['gaps-per-hour'], 'gaps-per-hour');
  if (gapsPerHour !== undefined) options.gapsPerHour = gapsPerHour;
  const maxSockets = number(values['max-sockets'], 'max-sockets');
  if (maxSockets !== undefined) options.maxSockets = maxSockets;
  const seed = number(values.seed, 'seed');
  if (seed !== undefined) options.seed = seed;
  const sim = new GridworkerSimulator(options);
  sim.start();
  console.log(`READY ${roster.length} walkers → ${values.osmand}${streets ? ` (streets: ${values.streets})` : ''}`);
  // Phones whose device tokens we hold also answer the incidents offered to them.
  const tokens = values['phone-tokens'] && values.api ? await readTokens(values['phone-tokens']) : null;
  const responder = tokens
    ? new TaskResponder({ apiUrl: values.api!, tokens, log: (line) => console.log(line) })
    : null;
  responder?.start();
  if (responder) console.log(`TASKS ${tokens!.size} phones listen for offers`);
  const every = setInterval(() => {
    console.log(format(sim.stats()));
    if (responder) console.log(`TASKS ${JSON.stringify(responder.counts)}`);
  }, 30_000);

  const shutdown = (signal: string): void => {
    clearInterval(every);
    console.log(`${signal}: stopping`);
    void Promise.all([sim.stop(), responder?.stop()]).then(() => {
      console.log(format(sim.stats()));
      process.exit(0);
    });
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
