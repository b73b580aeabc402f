-- Dispatch of a burst in one statement. Intake answers reports in bursts (a group commit)
-- and queues the incidents a burst opened as one job; the worker decides them all here,
-- in one transaction and one round trip instead of one per incident. Incidents are taken
-- in id order, so two batches lock their rows in the same order and never deadlock each
-- other; each decision sees the offers made before it (workload is counted across the
-- batch, so one gridworker is not offered the whole burst).
CREATE FUNCTION incident_dispatch_many(p_incidents bigint[], s jsonb) RETURNS TABLE (incident_id bigint, decision jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  v_id bigint;
BEGIN
  FOR v_id IN SELECT DISTINCT x FROM unnest(p_incidents) AS x ORDER BY x LOOP
    incident_id := v_id;
    decision := incident_dispatch(v_id, s);
    RETURN NEXT;
  END LOOP;
END $$;
