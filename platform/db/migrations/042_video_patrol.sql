-- Video patrol (视频巡查): what each operator watched and for how long, what they found,
-- and a checklist per town of the cameras every shift must look at.
CREATE TABLE patrol_views (
  id          bigserial PRIMARY KEY,
  account_id  bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  camera_id   bigint NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
  town_id     bigint NOT NULL REFERENCES areas(id),
  -- 'tile' on the wall, 'enlarged' when steered.
  mode        text NOT NULL CHECK (mode IN ('tile', 'enlarged')),
  started_at  timestamptz NOT NULL,
  ended_at    timestamptz NOT NULL,
  CHECK (ended_at >= started_at)
);
CREATE INDEX patrol_views_town_time ON patrol_views (town_id, started_at);
CREATE INDEX patrol_views_camera_time ON patrol_views (camera_id, started_at);

CREATE TABLE patrol_findings (
  id          bigserial PRIMARY KEY,
  account_id  bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  camera_id   bigint NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
  town_id     bigint NOT NULL REFERENCES areas(id),
  note        text NOT NULL CHECK (length(note) BETWEEN 1 AND 2000),
  incident_id bigint REFERENCES incidents(id) ON DELETE SET NULL,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX patrol_findings_town_time ON patrol_findings (town_id, at);

-- The cameras each shift of the town must look at, for at least min_seconds each.
CREATE TABLE patrol_checklists (
  town_id     bigint PRIMARY KEY REFERENCES areas(id) ON DELETE CASCADE,
  camera_ids  bigint[] NOT NULL,
  -- Shift starts in town time, e.g. {08:00, 20:00}: a shift runs to the next start.
  shift_starts time[] NOT NULL CHECK (cardinality(shift_starts) BETWEEN 1 AND 6),
  min_seconds int NOT NULL DEFAULT 10 CHECK (min_seconds BETWEEN 1 AND 3600),
  updated_by  bigint REFERENCES accounts(id),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
