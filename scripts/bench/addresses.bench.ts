/**
 * Hotline addresses → places, in process: the demo town's gazetteer (fixtures/hangbu:
 * villages, grids, roads, landmarks.csv) and its 200-address test set (addresses.json).
 *
 *   npm run bench:addresses [-- --seconds 3]
 *
 * Prints the share placed correctly (same grid as the true place and within 150 m),
 * the share placed wrongly (a confident answer elsewhere: worse than 待定位), the share
 * left 待定位 by kind of address, and how many addresses a second one core locates
 * (address → point → grid), with the load average beside each figure.
 */
import { loadavg } from 'node:os';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { AddressIndex, metres } from '../../gazetteer/address-index.js';
import { readFixtureGazetteer } from '../../gazetteer/fixture-gazetteer.js';

const TOLERANCE_M = 150;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

interface AddressCase {
  address: string;
  expected: { place: string; lon: number; lat: number } | null;
  note: string;
}

export async function scoreTestSet(dir = 'fixtures/hangbu', verbose = false) {
  const fixture = await readFixtureGazetteer(dir);
  const started = performance.now();
  const index = AddressIndex.build(fixture.data);
  const buildMs = performance.now() - started;
  const cases = JSON.parse(await readFile(`${dir}/addresses.json`, 'utf8')) as AddressCase[];
  const rows = new Map<string, { n: number; correct: number; wrong: number; unlocated: number }>();
  const wrongOnes: string[] = [];
  let correct = 0;
  let wrong = 0;
  for (const c of cases) {
    const r = index.locate(c.address);
    const row = rows.get(c.note) ?? { n: 0, correct: 0, wrong: 0, unlocated: 0 };
    row.n++;
    let verdict: 'correct' | 'wrong' | 'unlocated';
    if (r.status === 'unlocated') verdict = c.expected ? 'unlocated' : 'correct';
    else if (!c.expected) verdict = 'wrong';
    else {
      const truthGrid = fixture.grids.lookup(c.expected.lon, c.expected.lat)?.code;
      const gotGrid = fixture.grids.lookup(r.lon, r.lat)?.code;
      verdict =
        truthGrid === gotGrid && metres([r.lon, r.lat], [c.expected.lon, c.expected.lat]) <= TOLERANCE_M
          ? 'correct'
          : 'wrong';
    }
    row[verdict]++;
    if (verdict === 'correct') correct++;
    if (verdict === 'wrong') {
      wrong++;
      wrongOnes.push(
        `${c.address} → ${r.status === 'placed' ? `${r.place} (${r.by})` : ''}; expected ${c.expected?.place ?? '待定位'}`,
      );
    }
    if (verbose && verdict !== 'correct')
      console.log(
        verdict,
        c.address,
        JSON.stringify(r.status === 'placed' ? r.place : r.reason),
        c.expected?.place ?? null,
      );
    rows.set(c.note, row);
  }
  return { fixture, index, buildMs, cases, rows, correct, wrong, wrongOnes };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '3' }, verbose: { type: 'boolean', default: false } },
  });
  const { fixture, index, buildMs, cases, rows, correct, wrong, wrongOnes } = await scoreTestSet(
    'fixtures/hangbu',
    values.verbose,
  );
  const size = index.size;
  console.log(
    `gazetteer: ${size.villages} villages, ${size.roads} roads, ${size.landmarks - size.doorPlates} landmarks, ${size.doorPlates} door plates; ${size.words} words; index built in ${buildMs.toFixed(0)} ms (load ${load()})`,
  );
  console.log('\n| addresses | n | placed correctly | placed wrongly | 待定位 |\n| --- | --- | --- | --- | --- |');
  for (const [note, r] of rows) console.log(`| ${note} | ${r.n} | ${r.correct} | ${r.wrong} | ${r.unlocated} |`);
  const n = cases.length;
  console.log(
    `| **all** | ${n} | **${correct} (${((100 * correct) / n).toFixed(1)} %)** | **${wrong} (${((100 * wrong) / n).toFixed(1)} %)** | ${n - correct - wrong} |`,
  );
  console.log(
    '(correct: same grid as the true place and within 150 m; for an address that names no single place, left 待定位)',
  );
  if (wrongOnes.length) console.log(`\nplaced wrongly:\n  ${wrongOnes.join('\n  ')}`);

  // Throughput: address → point → grid, the Open311 path without the database.
  const addresses = cases.map((c) => c.address);
  const until = performance.now() + Number(values.seconds) * 1000;
  let done = 0;
  const loadBefore = load();
  const t0 = performance.now();
  while (performance.now() < until) {
    for (const a of addresses) {
      const r = index.locate(a);
      if (r.status === 'placed') fixture.grids.lookup(r.lon, r.lat);
    }
    done += addresses.length;
  }
  const perS = done / ((performance.now() - t0) / 1000);
  console.log(
    `\nlocated in process: ${Math.round(perS).toLocaleString('en')} addresses/s (${done.toLocaleString('en')} in ${values.seconds} s, one core; floor 10,000/s); load before ${loadBefore}, after ${load()}`,
  );
}

if (process.argv[1]?.endsWith('addresses.bench.ts')) await main();
