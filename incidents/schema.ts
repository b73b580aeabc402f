// The incidents domain's SQL functions, (re)applied by migrate after the numbered
// migrations on every run: first the loop's rules from the state machine, then
// incidents/sql/*.sql in name order.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { sqlFilesIn, type RepeatableSql } from '../platform/db/migrate.js';
import { loopRulesSql } from './loop-rules-sql.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sql');

export async function incidentsSql(): Promise<RepeatableSql[]> {
  return [{ name: 'incidents/state-machine.ts', sql: loopRulesSql() }, ...(await sqlFilesIn(dir))];
}
