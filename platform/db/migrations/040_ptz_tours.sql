-- Tours (巡航) and guard positions (守望位) of PTZ cameras, run by the workers.
-- A tour is an ordered list of the camera's presets, each held for its dwell time, moved
-- between at the tour's speed, within an optional daily window (town time). A guard
-- position sends an idle camera back to a preset, or resumes a tour, after idle_s.
CREATE TABLE ptz_tours (
  id          bigserial PRIMARY KEY,
  camera_id   bigint NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  speed       real NOT NULL DEFAULT 0.5 CHECK (speed > 0 AND speed <= 1),
  enabled     boolean NOT NULL DEFAULT false,
  -- Both null: all day. active_to < active_from: the window runs past midnight.
  active_from time,
  active_to   time,
  created_by  bigint REFERENCES accounts(id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CHECK ((active_from IS NULL) = (active_to IS NULL))
);
CREATE INDEX ptz_tours_camera ON ptz_tours (camera_id);

CREATE TABLE ptz_tour_stops (
  tour_id      bigint NOT NULL REFERENCES ptz_tours(id) ON DELETE CASCADE,
  position     int NOT NULL CHECK (position >= 0),
  preset_token text NOT NULL CHECK (length(preset_token) BETWEEN 1 AND 64),
  dwell_s      int NOT NULL CHECK (dwell_s BETWEEN 1 AND 3600),
  PRIMARY KEY (tour_id, position)
);

CREATE TABLE ptz_guards (
  camera_id    bigint PRIMARY KEY REFERENCES cameras(id) ON DELETE CASCADE,
  enabled      boolean NOT NULL DEFAULT true,
  idle_s       int NOT NULL CHECK (idle_s BETWEEN 5 AND 86400),
  -- Exactly one of: back to a preset, or resume a tour of this camera.
  preset_token text CHECK (length(preset_token) BETWEEN 1 AND 64),
  tour_id      bigint REFERENCES ptz_tours(id) ON DELETE CASCADE,
  updated_by   bigint REFERENCES accounts(id),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CHECK ((preset_token IS NULL) <> (tour_id IS NULL))
);
