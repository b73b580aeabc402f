// The loop's rules for SQL, written from incidents/state-machine.ts at every migrate: the
// rows of incident_transitions and incident_open_task_states(). incidents/sql/*.sql read
// them, so the rules are stated once, in TypeScript.
import { OPEN_TASK_STATES, transitions } from './state-machine.js';

const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`;

export function loopRulesSql(): string {
  const rows = transitions().map(
    (t) => `(${literal(t.action)}, ${literal(t.from)}, ${literal(t.party)}, ${literal(t.to)})`,
  );
  return `DELETE FROM incident_transitions;
INSERT INTO incident_transitions (action, from_state, party, to_state) VALUES
${rows.join(',\n')};

-- IMMUTABLE and a constant: the planner folds it into the query, so a predicate on it
-- still matches the partial index incidents_assignee.
CREATE OR REPLACE FUNCTION incident_open_task_states() RETURNS incident_state[] LANGUAGE sql IMMUTABLE AS $$
  SELECT ${literal(`{${OPEN_TASK_STATES.join(',')}}`)}::incident_state[]
$$;
`;
}
