-- The state an action takes an incident to when `party` takes it from `p_from`, or null
-- when it may not. The rows are incidents/state-machine.ts's (incidents/loop-rules-sql.ts).
CREATE OR REPLACE FUNCTION incident_next_state(p_action text, p_from incident_state, p_party text)
RETURNS incident_state LANGUAGE sql STABLE AS $$
  SELECT to_state FROM incident_transitions WHERE action = p_action AND from_state = p_from AND party = p_party
$$;
