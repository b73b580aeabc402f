-- People (the grid roles), their phones, and the positions the phones send.

CREATE TYPE person_role AS ENUM (
  'grid_head',            -- 网格长
  'fulltime_gridworker',  -- 专职网格员
  'grid_instructor',      -- 网格指导员 (per village)
  'info_assistant',       -- 网格信息员
  'grid_police',          -- 网格警长
  'parttime_gridworker'   -- 兼职网格员
);
CREATE TYPE duty_status AS ENUM ('off_duty', 'on_duty', 'busy');

CREATE TABLE people (
  id           bigserial PRIMARY KEY,
  name         text NOT NULL,
  phone        text NOT NULL,
  roles        person_role[] NOT NULL CHECK (cardinality(roles) > 0),
  village_id   bigint NOT NULL REFERENCES areas(id),
  town_id      bigint NOT NULL REFERENCES areas(id),
  duty_status  duty_status NOT NULL DEFAULT 'off_duty',
  duty_changed_at timestamptz NOT NULL DEFAULT now(),
  -- the login of a gridworker who uses the phone app or the web
  account_id   bigint UNIQUE REFERENCES accounts(id),
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX people_town ON people (town_id);

-- The grids a person serves (grid identities: they survive redrawn boundaries).
CREATE TABLE person_grids (
  person_id bigint NOT NULL REFERENCES people(id) ON DELETE CASCADE,
  grid_id   bigint NOT NULL REFERENCES grids(id),
  PRIMARY KEY (person_id, grid_id)
);
CREATE INDEX person_grids_grid ON person_grids (grid_id);

CREATE TABLE devices (
  id          bigserial PRIMARY KEY,
  person_id   bigint NOT NULL REFERENCES people(id) ON DELETE CASCADE,
  -- what the phone sends as id / deviceid / device_id
  identifier  text NOT NULL UNIQUE CHECK (identifier ~ '^[\w.:-]{1,64}$'),
  name        text NOT NULL DEFAULT '',
  token_hash  bytea NOT NULL UNIQUE,
  disabled    boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX devices_person ON devices (person_id);

-- Every accepted fix, partitioned by day for volume and retention.
CREATE TABLE positions (
  device_id       bigint NOT NULL,
  person_id       bigint NOT NULL,
  fix_time        timestamptz NOT NULL,
  received_at     timestamptz NOT NULL DEFAULT now(),
  lon             double precision NOT NULL,
  lat             double precision NOT NULL,
  speed_mps       real,
  heading         real,
  altitude        real,
  accuracy        real,
  battery         real,
  grid_id         bigint,
  grid_version_id bigint,
  source          text NOT NULL,
  attributes      jsonb,
  PRIMARY KEY (device_id, fix_time)
) PARTITION BY RANGE (fix_time);
CREATE INDEX positions_time ON positions USING brin (fix_time);
CREATE INDEX positions_person_time ON positions (person_id, fix_time);

-- Creates the daily partitions covering [from_day, to_day].
CREATE FUNCTION ensure_position_partitions(from_day date, to_day date) RETURNS int LANGUAGE plpgsql AS $$
DECLARE d date := from_day; made int := 0; name text;
BEGIN
  WHILE d <= to_day LOOP
    name := 'positions_' || to_char(d, 'YYYYMMDD');
    IF to_regclass(name) IS NULL THEN
      EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF positions FOR VALUES FROM (%L) TO (%L)',
                     name, d::timestamp AT TIME ZONE 'UTC', (d + 1)::timestamp AT TIME ZONE 'UTC');
      made := made + 1;
    END IF;
    d := d + 1;
  END LOOP;
  RETURN made;
END $$;

-- The newest fix of each person, for fast reads and nearest-gridworker searches.
CREATE TABLE current_positions (
  person_id       bigint PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
  device_id       bigint NOT NULL,
  town_id         bigint NOT NULL,
  fix_time        timestamptz NOT NULL,
  lon             double precision NOT NULL,
  lat             double precision NOT NULL,
  geog            geography(Point, 4326) NOT NULL,
  speed_mps       real,
  heading         real,
  accuracy        real,
  battery         real,
  grid_id         bigint,
  grid_version_id bigint,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX current_positions_geog ON current_positions USING gist (geog);
CREATE INDEX current_positions_town ON current_positions (town_id);

-- Crossing a grid boundary, like a geofence event.
CREATE TABLE grid_events (
  id              bigserial PRIMARY KEY,
  person_id       bigint NOT NULL REFERENCES people(id) ON DELETE CASCADE,
  device_id       bigint NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('enter', 'exit')),
  grid_id         bigint NOT NULL,
  grid_version_id bigint NOT NULL,
  at              timestamptz NOT NULL,
  lon             double precision NOT NULL,
  lat             double precision NOT NULL
);
CREATE INDEX grid_events_person ON grid_events (person_id, at);
CREATE INDEX grid_events_grid ON grid_events (grid_id, at);

-- Refused fixes, counted per day, device and reason (bounded, unlike a log of each).
CREATE TABLE fix_rejections (
  day          date NOT NULL,
  device_ref   text NOT NULL,
  reason       text NOT NULL,
  count        bigint NOT NULL,
  last_detail  text,
  last_at      timestamptz NOT NULL,
  PRIMARY KEY (day, device_ref, reason)
);

-- Streets, for the base map and for patrol coverage.
CREATE TABLE roads (
  id      bigserial PRIMARY KEY,
  town_id bigint REFERENCES areas(id),
  name    text NOT NULL DEFAULT '',
  class   text NOT NULL DEFAULT 'street',
  geom    geometry(LineString, 4326) NOT NULL
);
CREATE INDEX roads_geom ON roads USING gist (geom);
