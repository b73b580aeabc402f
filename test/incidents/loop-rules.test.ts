// The loop's rules are written once (incidents/state-machine.ts) and copied into the
// database by migrate; the SQL functions read them there. This asks both sides every
// question (each action, from each state, by each party) and expects the same answers.
import { expect } from 'chai';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { migrate } from '../../platform/db/migrate.js';
import { repeatableSql } from '../../server/schema.js';
import { INCIDENT_STATES, type Actor, type IncidentState } from '../../incidents/model.js';
import {
  ACTIONS,
  decide,
  OPEN_TASK_STATES,
  PARTIES,
  type IncidentAction,
  type Party,
  type TransitionContext,
} from '../../incidents/state-machine.js';

const PERSON = 7;

/** An actor who is exactly `party` for an incident in `state`. */
function as(party: Party, state: IncidentState): [Actor, TransitionContext] {
  const ctx: TransitionContext = { state, assigneePersonId: null, offereePersonId: null };
  const phone: Actor = { kind: 'phone', personId: PERSON, deviceId: 1, label: 'phone' };
  switch (party) {
    case 'system':
      return [{ kind: 'system', label: 'worker' }, ctx];
    case 'command_room':
      return [{ kind: 'account', accountId: 1, personId: null, commandRoom: true, label: 'dispatcher' }, ctx];
    case 'assignee':
      return [phone, { ...ctx, assigneePersonId: PERSON }];
    case 'offeree':
      return [phone, { ...ctx, offereePersonId: PERSON }];
  }
}

describe('the loop rules: TypeScript and SQL agree', () => {
  let db: TestDatabase;
  let client: pg.Client;

  before(async () => {
    db = await createTestDatabase('loop_rules');
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  after(async () => {
    await client?.end();
    await db?.drop();
  });

  it('the database knows the same states as the TypeScript', async () => {
    const { rows } = await client.query<{ s: string }>('SELECT unnest(enum_range(NULL::incident_state))::text AS s');
    expect(rows.map((r) => r.s).sort()).to.deep.equal([...INCIDENT_STATES].sort());
  });

  it('every action, from every state, by every party: the same next state or the same refusal', async () => {
    const { rows } = await client.query<{ action: string; state: string; party: string; next: string | null }>(
      `SELECT a AS action, s::text AS state, p AS party, incident_next_state(a, s, p)::text AS next
       FROM unnest($1::text[]) a, unnest(enum_range(NULL::incident_state)) s, unnest($2::text[]) p`,
      [ACTIONS, PARTIES],
    );
    expect(rows).to.have.length(ACTIONS.length * INCIDENT_STATES.length * PARTIES.length);
    const disagreements = rows.filter((r) => {
      const verdict = decide(r.action as IncidentAction, ...as(r.party as Party, r.state as IncidentState));
      return (verdict.ok ? verdict.to : null) !== r.next;
    });
    expect(disagreements).to.deep.equal([]);
    // The table is not empty by accident: the loop's usual path is in it.
    expect(rows.filter((r) => r.next !== null).length).to.be.greaterThan(40);
  });

  it('the open-task states are the TypeScript ones, and still match the partial index on assignees', async () => {
    const { rows } = await client.query<{ s: string[] }>('SELECT incident_open_task_states()::text[] AS s');
    expect(rows[0]!.s).to.deep.equal([...OPEN_TASK_STATES]);
    // Migration 005 wrote the states out in the index's predicate; a predicate on the
    // function must still be proven to imply it, or dispatch's workload count scans.
    await client.query('SET enable_seqscan = off');
    const plan = await client.query<{ 'QUERY PLAN': string }>(
      'EXPLAIN SELECT count(*) FROM incidents WHERE assignee_person_id = 1 AND state = ANY(incident_open_task_states())',
    );
    expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).to.contain('incidents_assignee');
  });

  it('re-applying the repeatable SQL changes nothing', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const before = await client.query('SELECT * FROM incident_transitions ORDER BY 1, 2, 3');
      expect(await migrate(pool, await repeatableSql())).to.deep.equal([]);
      const after = await client.query('SELECT * FROM incident_transitions ORDER BY 1, 2, 3');
      expect(after.rows).to.deep.equal(before.rows);
    } finally {
      await pool.end();
    }
  });
});
