-- Cameras (雪亮工程 / 天眼): the devices, where they stand (with history), what the
-- operators did with them, and the alerts they raised.

CREATE TYPE camera_status AS ENUM ('unknown', 'online', 'offline', 'error');

CREATE TABLE cameras (
  id              bigserial PRIMARY KEY,
  town_id         bigint NOT NULL REFERENCES areas(id),
  name            text NOT NULL,
  host            text NOT NULL,
  port            int NOT NULL CHECK (port BETWEEN 1 AND 65535),
  username        text NOT NULL,
  -- AES-256-GCM with the key from SECRET_KEY: iv (12) || tag (16) || ciphertext
  password_enc    bytea NOT NULL,
  manufacturer    text,
  model           text,
  firmware        text,
  serial          text,
  hardware_id     text,
  profiles        jsonb NOT NULL DEFAULT '[]',
  main_stream_uri text,
  sub_stream_uri  text,
  snapshot_uri    text,
  ptz             jsonb,            -- null for a fixed camera; ranges and abilities otherwise
  status          camera_status NOT NULL DEFAULT 'unknown',
  last_seen_at    timestamptz,
  last_error      text,
  last_checked_at timestamptz,
  clock_offset_ms bigint,
  registered_by   bigint REFERENCES accounts(id),
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (host, port)
);
CREATE INDEX cameras_town ON cameras (town_id);

-- Where a camera stands and looks, [valid_from, valid_to): moving it keeps history.
CREATE TABLE camera_placements (
  id              bigserial PRIMARY KEY,
  camera_id       bigint NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
  lon             double precision NOT NULL,
  lat             double precision NOT NULL,
  geog            geography(Point, 4326) NOT NULL,
  mount_height_m  real NOT NULL DEFAULT 6,
  heading_deg     real NOT NULL DEFAULT 0,   -- where a fixed camera looks / PTZ pan zero, from north
  hfov_deg        real NOT NULL DEFAULT 60,  -- horizontal field of view at widest zoom
  range_m         real NOT NULL DEFAULT 100, -- useful range
  high_position   boolean NOT NULL DEFAULT false,
  zoom_max        real NOT NULL DEFAULT 20,  -- optical zoom at the long end (30 for the rooftop camera)
  pan_offset_deg  real NOT NULL DEFAULT 0,   -- calibration: bearing of pan 0 against north
  tilt_offset_deg real NOT NULL DEFAULT 0,   -- calibration: tilt reading when level
  grid_id         bigint,
  grid_version_id bigint,
  valid_from      timestamptz NOT NULL DEFAULT clock_timestamp(),
  valid_to        timestamptz,
  placed_by       bigint REFERENCES accounts(id)
);
CREATE UNIQUE INDEX camera_placements_current ON camera_placements (camera_id) WHERE valid_to IS NULL;
CREATE INDEX camera_placements_geog ON camera_placements USING gist (geog) WHERE valid_to IS NULL;

-- Every PTZ command: who, which camera, what, when, and whether the camera took it.
CREATE TABLE ptz_commands (
  id          bigserial PRIMARY KEY,
  camera_id   bigint NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
  account_id  bigint REFERENCES accounts(id),
  command     text NOT NULL,
  params      jsonb,
  ok          boolean NOT NULL,
  error       text,
  ms          real,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ptz_commands_camera ON ptz_commands (camera_id, at);

-- A camera's alarm, normalised and de-duplicated (a burst is one alert with a count).
CREATE TABLE camera_alerts (
  id              bigserial PRIMARY KEY,
  camera_id       bigint NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
  kind            text NOT NULL CHECK (kind IN ('motion', 'line_crossing', 'intrusion', 'tamper', 'other')),
  topic           text NOT NULL,
  first_at        timestamptz NOT NULL,
  last_at         timestamptz NOT NULL,
  count           int NOT NULL DEFAULT 1,
  grid_id         bigint,
  grid_version_id bigint,
  snapshot        text,           -- file name in the media directory (content hash)
  data            jsonb,
  queued_at       timestamptz     -- put on the incident queue (outbox: null until done)
);
CREATE INDEX camera_alerts_camera ON camera_alerts (camera_id, kind, last_at DESC);
CREATE INDEX camera_alerts_unqueued ON camera_alerts (id) WHERE queued_at IS NULL;

-- Streams pushed to us over RTMP (a gridworker's phone, a drone).
CREATE TABLE live_sources (
  id          bigserial PRIMARY KEY,
  town_id     bigint NOT NULL REFERENCES areas(id),
  name        text NOT NULL,
  stream_key  text NOT NULL UNIQUE,
  created_by  bigint REFERENCES accounts(id),
  live_since  timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
