-- Recording (录像) and playback: what each camera records, the segment files the
-- recorders wrote, the gaps between them, the footage held back from retention
-- (alarm windows, incident evidence) and the append-only log of exports.

-- What a camera records. No row: 'off' (only the short rolling buffer, if the camera is placed).
CREATE TABLE recording_policies (
  camera_id      bigint PRIMARY KEY REFERENCES cameras(id) ON DELETE CASCADE,
  mode           text NOT NULL CHECK (mode IN ('off', 'continuous', 'on_alarm', 'schedule')),
  stream         text NOT NULL DEFAULT 'sub' CHECK (stream IN ('main', 'sub')),
  pre_roll_s     int NOT NULL DEFAULT 10 CHECK (pre_roll_s BETWEEN 0 AND 300),
  post_roll_s    int NOT NULL DEFAULT 30 CHECK (post_roll_s BETWEEN 0 AND 3600),
  -- [{ "day": 0-6 (Sunday 0), "from": "HH:MM", "to": "HH:MM" }], in the towns' local time
  schedule       jsonb NOT NULL DEFAULT '[]',
  retention_days int NOT NULL DEFAULT 30 CHECK (retention_days BETWEEN 1 AND 3650),
  updated_by     bigint REFERENCES accounts(id),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- One closed segment file. keep_until: when retention may delete it (a buffer segment
-- soon, a recorded one after the camera's retention days); holds may keep it longer.
CREATE TABLE recording_segments (
  id          bigserial PRIMARY KEY,
  camera_id   bigint NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
  stream      text NOT NULL CHECK (stream IN ('main', 'sub')),
  started_at  timestamptz NOT NULL,
  ended_at    timestamptz NOT NULL CHECK (ended_at > started_at),
  bytes       bigint NOT NULL CHECK (bytes > 0),
  -- relative to RECORDINGS_DIR
  file        text NOT NULL UNIQUE,
  -- one ffmpeg run: a new run restarts the timestamps (a discontinuity in playlists)
  run         text NOT NULL,
  keep_until  timestamptz NOT NULL,
  recorder    text NOT NULL
);
CREATE INDEX recording_segments_camera ON recording_segments (camera_id, started_at);
CREATE INDEX recording_segments_keep ON recording_segments (keep_until);
CREATE INDEX recording_segments_age ON recording_segments (started_at);

-- Time a recorded camera has no footage for, and why (camera lost, recorder died, disk full, file deleted).
CREATE TABLE recording_gaps (
  id         bigserial PRIMARY KEY,
  camera_id  bigint NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
  started_at timestamptz NOT NULL,
  ended_at   timestamptz NOT NULL CHECK (ended_at >= started_at),
  reason     text NOT NULL
);
CREATE INDEX recording_gaps_camera ON recording_gaps (camera_id, started_at);

-- Footage retention must not delete: an alarm's pre/post-roll, an incident's evidence.
-- held_until NULL: held until told otherwise (an open incident).
CREATE TABLE recording_holds (
  id          bigserial PRIMARY KEY,
  camera_id   bigint NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
  from_at     timestamptz NOT NULL,
  to_at       timestamptz NOT NULL CHECK (to_at > from_at),
  held_until  timestamptz,
  reason      text NOT NULL CHECK (reason IN ('alarm', 'incident')),
  incident_id bigint REFERENCES incidents(id) ON DELETE CASCADE,
  alert_id    bigint,
  label       text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX recording_holds_incident ON recording_holds (incident_id, camera_id) WHERE incident_id IS NOT NULL;
CREATE UNIQUE INDEX recording_holds_alert ON recording_holds (alert_id) WHERE alert_id IS NOT NULL;
CREATE INDEX recording_holds_camera ON recording_holds (camera_id, from_at);

-- Exports: who took which footage out, when, and its SHA-256 (the evidence chain).
CREATE TABLE recording_exports (
  id          bigserial PRIMARY KEY,
  camera_id   bigint NOT NULL REFERENCES cameras(id),
  town_id     bigint NOT NULL REFERENCES areas(id),
  account_id  bigint NOT NULL REFERENCES accounts(id),
  username    text NOT NULL,
  from_at     timestamptz NOT NULL,
  to_at       timestamptz NOT NULL CHECK (to_at > from_at),
  file        text NOT NULL,
  bytes       bigint NOT NULL,
  sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  ms          int NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recording_exports_town ON recording_exports (town_id, created_at);

-- Append-only: a row of the evidence chain is never changed nor removed.
CREATE FUNCTION recording_exports_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'recording_exports is append-only';
END $$;
CREATE TRIGGER recording_exports_append_only BEFORE UPDATE OR DELETE ON recording_exports
  FOR EACH ROW EXECUTE FUNCTION recording_exports_append_only();

-- What a recorder says about each camera it records (the admin page and alerts read it).
CREATE TABLE recording_status (
  camera_id   bigint PRIMARY KEY REFERENCES cameras(id) ON DELETE CASCADE,
  state       text NOT NULL,
  recorder    text,
  last_error  text,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
