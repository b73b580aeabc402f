-- Intake's SQL: incident_intake() for reports with a point (a batch in one round trip,
-- see migration 010) and incident_intake_unlocated() for hotline calls whose address
-- named no single place (016). Re-applied by migrate on every run (CREATE OR REPLACE):
-- edit here, not in a migration. States an action leads to come from incident_transitions.


-- A report the gazetteer could not place: the incident opens 'unlocated' at a provisional
-- point (where the command room starts looking) with no grid, no deadlines and no
-- dispatch; its history says so, which is what the citizen's Open311 status shows.
-- A second call of the same kind with the same address (written the same way once
-- normalised: geocode.key) within the merge window joins the first instead, as a
-- report nearby does for located incidents.
CREATE OR REPLACE FUNCTION incident_intake_unlocated(r jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  inc record;
  target bigint;
  report_id bigint;
  lon double precision := (r->>'lon')::float8;
  lat double precision := (r->>'lat')::float8;
BEGIN
  PERFORM pg_advisory_xact_lock((r->>'town_id')::int, hashtext(r->>'subcategory_code'));
  SELECT id INTO target FROM incidents
  WHERE state = 'unlocated' AND town_id = (r->>'town_id')::bigint AND subcategory_code = r->>'subcategory_code'
    AND geocode->>'key' = r->'geocode'->>'key'
    AND reported_at >= now() - make_interval(secs => (r->>'merge_window_min')::float8 * 60)
  ORDER BY id LIMIT 1 FOR UPDATE;
  IF target IS NOT NULL THEN
    INSERT INTO incident_reports (incident_id, source, subcategory_code, description, lon, lat, reporter_account_id, contact, attributes)
    SELECT target, (r->>'source')::incident_source, r->>'subcategory_code', r->>'description', i.lon, i.lat, (r->>'reporter_account_id')::bigint,
      r->'contact', r->'attributes' FROM incidents i WHERE i.id = target
    RETURNING id INTO report_id;
    UPDATE incidents SET report_count = report_count + 1, updated_at = now() WHERE id = target;
    INSERT INTO incident_history (incident_id, action, from_state, to_state, actor_kind, actor_label, actor_account_id, actor_person_id, note, data)
    VALUES (target, 'report_merged', 'unlocated', 'unlocated', r->>'actor_kind', r->>'actor_label', (r->>'actor_account_id')::bigint,
      (r->>'actor_person_id')::bigint, r->>'description', jsonb_build_object('reportId', report_id, 'source', r->>'source', 'address', r->>'address'));
    RETURN jsonb_build_object('incidentId', target, 'reportId', report_id, 'merged', true);
  END IF;

  INSERT INTO incidents (town_id, subcategory_code, platform, severity, description, address, lon, lat, geog, source, state,
    reported_at, accept_due_at, finish_due_at, dispatch_wanted, geocode)
  VALUES ((r->>'town_id')::bigint, r->>'subcategory_code', (r->>'platform')::platform, (r->>'severity')::smallint, r->>'description', r->>'address',
    lon, lat, ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography, (r->>'source')::incident_source, 'unlocated',
    clock_timestamp(), clock_timestamp() + make_interval(secs => (r->>'accept_minutes')::float8 * 60),
    clock_timestamp() + make_interval(secs => (r->>'finish_minutes')::float8 * 60), false, r->'geocode')
  RETURNING id, reported_at INTO inc;
  INSERT INTO incident_reports (incident_id, source, subcategory_code, description, lon, lat, reporter_account_id, contact, attributes)
  VALUES (inc.id, (r->>'source')::incident_source, r->>'subcategory_code', r->>'description', lon, lat, (r->>'reporter_account_id')::bigint,
    r->'contact', r->'attributes')
  RETURNING id INTO report_id;
  INSERT INTO incident_history (incident_id, action, from_state, to_state, actor_kind, actor_label, actor_account_id, actor_person_id, note, data)
  VALUES (inc.id, 'report', NULL, 'unlocated', r->>'actor_kind', r->>'actor_label', (r->>'actor_account_id')::bigint, (r->>'actor_person_id')::bigint,
    r->>'description', jsonb_build_object('reportId', report_id, 'source', r->>'source', 'platform', r->>'platform', 'address', r->>'address'));
  INSERT INTO incident_history (incident_id, action, from_state, to_state, actor_kind, actor_label, note, data)
  VALUES (inc.id, 'unlocated', 'unlocated', 'unlocated', 'system', 'gazetteer',
    '正在确定位置：指挥中心将根据地址在地图上标定 We are finding the address on the map', r->'geocode');
  RETURN jsonb_build_object('incidentId', inc.id, 'reportId', report_id, 'reportedAt', inc.reported_at, 'merged', false);
END $$;


-- An unlocated incident's provisional point says nothing about where it is, so no report
-- merges into it by distance. The open states are written out (not read from a table) so
-- that the planner matches them to the partial index incidents_open_geog.
CREATE OR REPLACE FUNCTION incident_intake(reports jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  k record;
  r intake_report;
  here geography;
  target bigint;
  target_state incident_state;
  inc record;
  report_id bigint;
  deadlines jsonb;
  answers jsonb[] := '{}';
  v_next incident_state;
BEGIN
  -- Intake is serialised per town and subcategory, so two reports of one fire arriving
  -- together become one incident. Keys are taken in one order so batches cannot deadlock.
  FOR k IN SELECT DISTINCT (x->>'town_id')::int AS town, hashtext(x->>'subcategory_code') AS kind
           FROM jsonb_array_elements(reports) x ORDER BY 1, 2 LOOP
    PERFORM pg_advisory_xact_lock(k.town, k.kind);
  END LOOP;

  FOR i IN 0 .. jsonb_array_length(reports) - 1 LOOP
    r := jsonb_populate_record(NULL::intake_report, reports->i);
    here := ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326)::geography;

    -- A camera alert is made into one incident, however often it is handed over.
    IF r.camera_alert_id IS NOT NULL THEN
      SELECT id, incident_id INTO report_id, target FROM incident_reports WHERE camera_alert_id = r.camera_alert_id;
      IF FOUND THEN
        answers := answers || jsonb_build_object(
          'incidentId', target, 'reportId', report_id, 'merged', true, 'created', false, 'duplicateAlert', true);
        CONTINUE;
      END IF;
    END IF;

    -- An open incident of this kind close enough in space and time is the same one.
    target := NULL;
    IF NOT r.settled AND r.merge_radius_m > 0 AND r.merge_window_min > 0 THEN
      SELECT id INTO target FROM incidents
      WHERE subcategory_code = r.subcategory_code AND town_id = r.town_id AND state NOT IN ('closed', 'merged', 'unlocated') AND NOT settled_on_spot
        AND reported_at >= now() - make_interval(secs => r.merge_window_min * 60)
        AND ST_DWithin(geog, here, r.merge_radius_m)
      ORDER BY geog <-> here LIMIT 1;
    END IF;

    IF target IS NOT NULL THEN
      SELECT state INTO target_state FROM incidents WHERE id = target FOR UPDATE;
      INSERT INTO incident_reports (incident_id, source, subcategory_code, description, lon, lat, reporter_person_id,
        reporter_account_id, camera_alert_id, contact, attributes)
      VALUES (target, r.source, r.subcategory_code, r.description, r.lon, r.lat, r.reporter_person_id,
        r.reporter_account_id, r.camera_alert_id, r.contact, r.attributes)
      RETURNING id INTO report_id;
      UPDATE incidents SET report_count = report_count + 1, updated_at = now() WHERE id = target;
      IF r.snapshot_file IS NOT NULL THEN
        INSERT INTO incident_media (incident_id, report_id, kind, stage, content_type, bytes, file)
        VALUES (target, report_id, 'snapshot', 'report', 'image/jpeg', r.snapshot_bytes, r.snapshot_file);
      END IF;
      INSERT INTO incident_history (incident_id, action, from_state, to_state, actor_kind, actor_label, actor_account_id, actor_person_id, lon, lat, note, data)
      VALUES (target, 'report_merged', target_state, target_state, r.actor_kind, r.actor_label, r.actor_account_id, r.actor_person_id,
        r.lon, r.lat, r.description, jsonb_build_object('reportId', report_id, 'source', r.source));
      answers := answers || jsonb_build_object('incidentId', target, 'reportId', report_id, 'merged', true, 'created', false);
      CONTINUE;
    END IF;

    INSERT INTO incidents (town_id, village_id, grid_id, grid_version_id, subcategory_code, platform, severity, description, address,
      lon, lat, geog, source, camera_id, reported_at, accept_due_at, finish_due_at, dispatch_wanted)
    VALUES (r.town_id, r.village_id, r.grid_id, r.grid_version_id, r.subcategory_code, r.platform, r.severity, r.description, r.address,
      r.lon, r.lat, here, r.source, r.camera_id, clock_timestamp(), clock_timestamp() + make_interval(secs => r.accept_minutes * 60),
      clock_timestamp() + make_interval(secs => r.finish_minutes * 60), NOT r.settled)
    RETURNING id, reported_at, accept_due_at, finish_due_at INTO inc;
    INSERT INTO incident_reports (incident_id, source, subcategory_code, description, lon, lat, reporter_person_id,
      reporter_account_id, camera_alert_id, contact, attributes)
    VALUES (inc.id, r.source, r.subcategory_code, r.description, r.lon, r.lat, r.reporter_person_id,
      r.reporter_account_id, r.camera_alert_id, r.contact, r.attributes)
    RETURNING id INTO report_id;
    INSERT INTO incident_history (incident_id, action, from_state, to_state, actor_kind, actor_label, actor_account_id, actor_person_id, lon, lat, note, data)
    VALUES (inc.id, 'report', NULL, 'reported', r.actor_kind, r.actor_label, r.actor_account_id, r.actor_person_id,
      r.lon, r.lat, r.description, jsonb_build_object('reportId', report_id, 'source', r.source, 'platform', r.platform));
    IF r.snapshot_file IS NOT NULL THEN
      INSERT INTO incident_media (incident_id, report_id, kind, stage, content_type, bytes, file)
      VALUES (inc.id, report_id, 'snapshot', 'report', 'image/jpeg', r.snapshot_bytes, r.snapshot_file);
    END IF;

    IF r.settled THEN
      -- 就地化解: recorded for the statistics and closed at once, with no dispatch; both deadlines met.
      v_next := incident_next_state('settle', 'reported', 'system');
      UPDATE incidents SET state = v_next, settled_on_spot = true, assignee_person_id = r.reporter_person_id,
        closed_at = clock_timestamp(), updated_at = clock_timestamp() WHERE id = inc.id;
      INSERT INTO incident_deadlines (incident_id, kind, due_at, outcome, settled_at)
      VALUES (inc.id, 'accept', inc.accept_due_at, 'met', clock_timestamp()), (inc.id, 'finish', inc.finish_due_at, 'met', clock_timestamp());
      INSERT INTO incident_history (incident_id, action, from_state, to_state, actor_kind, actor_label, actor_account_id, actor_person_id, lon, lat, note)
      VALUES (inc.id, 'settle', 'reported', v_next, r.actor_kind, r.actor_label, r.actor_account_id, r.actor_person_id,
        r.lon, r.lat, '就地化解 settled on the spot');
      answers := answers || jsonb_build_object('incidentId', inc.id, 'reportId', report_id, 'merged', false, 'created', true, 'settled', true);
      CONTINUE;
    END IF;

    WITH d AS (
      INSERT INTO incident_deadlines (incident_id, kind, due_at)
      VALUES (inc.id, 'accept', inc.accept_due_at), (inc.id, 'finish', inc.finish_due_at)
      RETURNING id, incident_id, kind, due_at, outcome, settled_at
    )
    SELECT jsonb_agg(jsonb_build_object('id', id, 'incidentId', incident_id, 'kind', kind, 'dueAt', due_at, 'outcome', outcome, 'settledAt', settled_at) ORDER BY kind)
    INTO deadlines FROM d;
    answers := answers || jsonb_build_object('incidentId', inc.id, 'reportId', report_id, 'merged', false, 'created', true,
      'reportedAt', inc.reported_at, 'deadlines', deadlines);
  END LOOP;
  RETURN to_jsonb(answers);
END $$;
