// What migrate re-applies after the numbered migrations on every run: each domain's SQL
// functions (CREATE OR REPLACE), in this order. Passed by whoever migrates
// (scripts/db-setup.ts, the test template, the benchmarks' databases).
import type { RepeatableSql } from '../platform/db/migrate.js';
import { incidentsSql } from '../incidents/module.js';

export async function repeatableSql(): Promise<RepeatableSql[]> {
  return [...(await incidentsSql())];
}
