-- A gridworker's field work recorded from the phone: patrols (巡查日志: start, stop, notes
-- and photos on the way) and household visits (走访). Each row carries the phone's own
-- key for it (client_key), unique per device: the offline queue may send it twice, the
-- second changes nothing. Photos are media-store names (content hashes).
CREATE TABLE patrols (
  id          bigserial PRIMARY KEY,
  person_id   bigint NOT NULL REFERENCES people(id) ON DELETE CASCADE,
  device_id   bigint NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
  town_id     bigint NOT NULL,
  client_key  text NOT NULL,
  started_at  timestamptz NOT NULL,
  ended_at    timestamptz CHECK (ended_at IS NULL OR ended_at >= started_at),
  lon         double precision,
  lat         double precision,
  UNIQUE (device_id, client_key)
);
CREATE INDEX patrols_person ON patrols (person_id, started_at DESC);
CREATE INDEX patrols_town ON patrols (town_id, started_at DESC);

CREATE TABLE patrol_notes (
  id          bigserial PRIMARY KEY,
  patrol_id   bigint NOT NULL REFERENCES patrols(id) ON DELETE CASCADE,
  client_key  text NOT NULL,
  at          timestamptz NOT NULL,
  note        text NOT NULL,
  lon         double precision,
  lat         double precision,
  media       text[] NOT NULL DEFAULT '{}',
  UNIQUE (patrol_id, client_key)
);

CREATE TABLE household_visits (
  id          bigserial PRIMARY KEY,
  person_id   bigint NOT NULL REFERENCES people(id) ON DELETE CASCADE,
  device_id   bigint NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
  town_id     bigint NOT NULL,
  client_key  text NOT NULL,
  visited_at  timestamptz NOT NULL,
  household   text NOT NULL,
  address     text,
  note        text NOT NULL,
  lon         double precision,
  lat         double precision,
  media       text[] NOT NULL DEFAULT '{}',
  UNIQUE (device_id, client_key)
);
CREATE INDEX household_visits_town ON household_visits (town_id, visited_at DESC);
