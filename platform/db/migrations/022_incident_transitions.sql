-- The loop's rules as rows, for the SQL functions to read: which action takes an incident
-- from which state to which, and for whom. The rows are written by migrate on every run
-- from incidents/state-machine.ts (incidents/loop-rules-sql.ts), so the rules are stated
-- once; this migration makes the empty table.
CREATE TABLE incident_transitions (
  action     text NOT NULL,
  from_state incident_state NOT NULL,
  party      text NOT NULL,
  to_state   incident_state NOT NULL,
  PRIMARY KEY (action, from_state, party)
);
