-- Dispatch's SQL (migrations 011 and 012): the candidates near a point, the worker's
-- decision for one incident, and for a burst. Re-applied by migrate on every run (CREATE
-- OR REPLACE): edit here, not in a migration. Which states the dispatcher worker may
-- offer or escalate from, and what they lead to, come from incident_transitions; the
-- states that count as a gridworker's open tasks from incident_open_task_states(); both
-- are written by incidents/loop-rules-sql.ts from incidents/state-machine.ts.


-- Gridworkers with a fresh position near a point, in the order they are asked: the
-- grid's own within own_grid_max_m first, then by metres plus a penalty per open task
-- or pending offer. The `nearest` come by KNN (the GiST index on geog walks outwards
-- from the point), plus the grid's own people wherever they are.
CREATE OR REPLACE FUNCTION dispatch_candidates(
  p_lon double precision, p_lat double precision, p_town bigint, p_grid bigint, p_fresh_s double precision, p_nearest int,
  p_on_duty_only boolean, p_exclude bigint[], p_own_grid_max_m double precision, p_workload_penalty_m double precision
) RETURNS TABLE ("personId" bigint, name text, phone text, roles text[], "dutyStatus" text, lon double precision, lat double precision,
  "distanceM" double precision, "positionAgeS" double precision, "openTasks" int, "ownGrid" boolean)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  here geography := ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326)::geography;
  field person_role[] := ARRAY['grid_head', 'fulltime_gridworker', 'parttime_gridworker', 'info_assistant']::person_role[];
BEGIN
  RETURN QUERY
  WITH near AS (
    (SELECT cp.person_id FROM current_positions cp JOIN people p ON p.id = cp.person_id
     WHERE cp.town_id = p_town AND cp.fix_time > now() - make_interval(secs => p_fresh_s)
       AND p.roles && field AND (NOT p_on_duty_only OR p.duty_status = 'on_duty') AND NOT (cp.person_id = ANY(p_exclude))
     ORDER BY cp.geog <-> here LIMIT p_nearest)
    UNION
    SELECT cp.person_id FROM person_grids pg JOIN current_positions cp ON cp.person_id = pg.person_id JOIN people p ON p.id = cp.person_id
    WHERE pg.grid_id = p_grid AND cp.fix_time > now() - make_interval(secs => p_fresh_s)
      AND p.roles && field AND (NOT p_on_duty_only OR p.duty_status = 'on_duty') AND NOT (cp.person_id = ANY(p_exclude))
  ), c AS (
    SELECT cp.person_id, p.name, p.phone, p.roles::text[] AS roles, p.duty_status::text AS duty_status, cp.lon, cp.lat,
      ST_Distance(cp.geog, here) AS distance_m,
      extract(epoch FROM now() - cp.fix_time)::float8 AS age_s,
      (SELECT count(*)::int FROM incidents i WHERE i.assignee_person_id = cp.person_id AND i.state = ANY(incident_open_task_states()))
        + (SELECT count(*)::int FROM dispatch_offers o WHERE o.person_id = cp.person_id AND o.outcome = 'pending') AS open_tasks,
      EXISTS (SELECT 1 FROM person_grids g WHERE g.person_id = cp.person_id AND g.grid_id = p_grid) AS own_grid
    FROM near n JOIN current_positions cp ON cp.person_id = n.person_id JOIN people p ON p.id = n.person_id
  )
  SELECT c.person_id, c.name, c.phone, c.roles, c.duty_status, c.lon, c.lat, c.distance_m, c.age_s, c.open_tasks, c.own_grid FROM c
  ORDER BY (c.own_grid AND c.distance_m <= p_own_grid_max_m) DESC, c.distance_m + c.open_tasks * p_workload_penalty_m, c.distance_m, c.person_id;
END $$;

CREATE OR REPLACE FUNCTION offer_json(o dispatch_offers) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object('id', o.id, 'incidentId', o.incident_id, 'personId', o.person_id, 'offeredAt', o.offered_at,
    'expiresAt', o.expires_at, 'answeredAt', o.answered_at, 'outcome', o.outcome, 'distanceM', o.distance_m, 'byHand', o.by_hand)
$$;

-- The dispatch job's decision: idempotent, so a duplicate or a retried job changes nothing.
-- Answers {outcome: gone | pending | not_needed | escalated | offered, offer?, expired?}.
CREATE OR REPLACE FUNCTION incident_dispatch(p_incident bigint, s jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  inc record;
  pending dispatch_offers;
  offer dispatch_offers;
  expired jsonb;
  misses int;
  chosen record;
  why text;
  v_next incident_state;
BEGIN
  SELECT id, state, town_id, grid_id, lon, lat, dispatch_wanted, dispatch_misses INTO inc FROM incidents WHERE id = p_incident FOR UPDATE;
  IF NOT FOUND THEN RETURN jsonb_build_object('outcome', 'gone'); END IF;
  misses := inc.dispatch_misses;

  -- A statement of its own after the lock: it sees what the transaction we waited for committed.
  SELECT * INTO pending FROM dispatch_offers WHERE incident_id = p_incident AND outcome = 'pending';
  IF FOUND THEN
    IF pending.expires_at > clock_timestamp() THEN RETURN jsonb_build_object('outcome', 'pending'); END IF;
    UPDATE dispatch_offers SET outcome = 'expired', answered_at = clock_timestamp() WHERE id = pending.id RETURNING * INTO pending;
    expired := offer_json(pending);
    UPDATE incidents SET dispatch_misses = dispatch_misses + 1 WHERE id = p_incident RETURNING dispatch_misses INTO misses;
    INSERT INTO incident_history (incident_id, action, from_state, to_state, actor_kind, actor_label, data)
    VALUES (p_incident, 'offer_expired', inc.state, inc.state, 'system', 'dispatcher worker', jsonb_build_object('offerId', pending.id, 'personId', pending.person_id));
  END IF;

  IF NOT inc.dispatch_wanted OR incident_next_state('dispatch', inc.state, 'system') IS NULL THEN
    RETURN jsonb_build_object('outcome', 'not_needed', 'expired', expired);
  END IF;

  IF misses >= (s->>'maxMisses')::int THEN
    why := format('%s 次派单未响应，转指挥室 %s offers missed: the command room takes over', misses, misses);
  ELSE
    SELECT * INTO chosen FROM dispatch_candidates(inc.lon, inc.lat, inc.town_id, inc.grid_id, (s->>'freshS')::float8, (s->>'nearest')::int, true,
      ARRAY(SELECT DISTINCT person_id FROM dispatch_offers WHERE incident_id = p_incident AND outcome IN ('declined', 'expired')),
      (s->>'ownGridMaxM')::float8, (s->>'workloadPenaltyM')::float8) LIMIT 1;
    IF NOT FOUND THEN why := '附近无可用网格员，转指挥室 no available gridworker nearby: the command room takes over'; END IF;
  END IF;

  IF why IS NOT NULL THEN
    v_next := incident_next_state('escalate', inc.state, 'system');
    UPDATE incidents SET state = v_next, level = 'town', dispatch_wanted = false, updated_at = clock_timestamp() WHERE id = p_incident;
    INSERT INTO incident_history (incident_id, action, from_state, to_state, actor_kind, actor_label, note, data)
    VALUES (p_incident, 'escalate', inc.state, v_next, 'system', 'dispatcher worker', why, jsonb_build_object('level', 'town', 'misses', misses));
    RETURN jsonb_build_object('outcome', 'escalated', 'expired', expired);
  END IF;

  INSERT INTO dispatch_offers (incident_id, person_id, expires_at, distance_m, by_hand)
  VALUES (p_incident, chosen."personId", clock_timestamp() + make_interval(secs => (s->>'offerTimeoutS')::float8), chosen."distanceM", false)
  RETURNING * INTO offer;
  v_next := incident_next_state('dispatch', inc.state, 'system');
  UPDATE incidents SET state = v_next, updated_at = clock_timestamp() WHERE id = p_incident;
  INSERT INTO incident_history (incident_id, action, from_state, to_state, actor_kind, actor_label, note, data)
  VALUES (p_incident, 'dispatch', inc.state, v_next, 'system', 'dispatcher worker',
    format('派给 %s，%s m', chosen.name, round(chosen."distanceM")),
    jsonb_build_object('offerId', offer.id, 'personId', chosen."personId", 'distanceM', chosen."distanceM", 'ownGrid', chosen."ownGrid"));
  RETURN jsonb_build_object('outcome', 'offered', 'offer', offer_json(offer), 'expired', expired);
END $$;

-- Dispatch of a burst in one statement. Intake answers reports in bursts (a group commit)
-- and queues the incidents a burst opened as one job; the worker decides them all here,
-- in one transaction and one round trip instead of one per incident. Incidents are taken
-- in id order, so two batches lock their rows in the same order and never deadlock each
-- other; each decision sees the offers made before it (workload is counted across the
-- batch, so one gridworker is not offered the whole burst).
CREATE OR REPLACE FUNCTION incident_dispatch_many(p_incidents bigint[], s jsonb) RETURNS TABLE (incident_id bigint, decision jsonb)
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
