-- Foundation: accounts, areas, versioned grids and grid plans.
CREATE EXTENSION IF NOT EXISTS postgis;

-- Accounts and roles ---------------------------------------------------------
CREATE TYPE account_role AS ENUM ('admin', 'operator', 'dispatcher', 'planner', 'installer', 'gridworker');

CREATE TABLE accounts (
  id            bigserial PRIMARY KEY,
  username      text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9_.@-]{3,64}$'),
  display_name  text NOT NULL,
  password_hash text NOT NULL,
  roles         account_role[] NOT NULL CHECK (cardinality(roles) > 0),
  -- an account that sees every town, present and future (the first admin)
  all_towns     boolean NOT NULL DEFAULT false,
  disabled      boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
  token_hash  bytea PRIMARY KEY,
  account_id  bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Areas: city → district → town → village ------------------------------------
CREATE TYPE area_level AS ENUM ('city', 'district', 'town', 'village');

CREATE TABLE areas (
  id         bigserial PRIMARY KEY,
  code       text NOT NULL UNIQUE,
  name       text NOT NULL,
  level      area_level NOT NULL,
  parent_id  bigint REFERENCES areas(id),
  -- the town an area belongs to (itself for a town), so scoping is one comparison
  town_id    bigint REFERENCES areas(id),
  geom       geometry(MultiPolygon, 4326) NOT NULL,
  geom_3857  geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
  synthetic  boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((level IN ('city', 'district')) = (town_id IS NULL))
);
CREATE INDEX areas_geom ON areas USING gist (geom);
CREATE INDEX areas_geom_3857 ON areas USING gist (geom_3857);
CREATE INDEX areas_parent ON areas (parent_id);

-- town_id follows from the tree: a town is its own town, a village is its parent's.
CREATE FUNCTION areas_set_town() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.town_id := CASE NEW.level
    WHEN 'town' THEN NEW.id
    WHEN 'village' THEN (SELECT town_id FROM areas WHERE id = NEW.parent_id)
    ELSE NULL END;
  RETURN NEW;
END $$;
CREATE TRIGGER areas_town BEFORE INSERT OR UPDATE OF level, parent_id ON areas
  FOR EACH ROW EXECUTE FUNCTION areas_set_town();

CREATE TABLE account_towns (
  account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  town_id    bigint NOT NULL REFERENCES areas(id),
  PRIMARY KEY (account_id, town_id)
);

-- Grid plans: drafts that planners edit, validate and publish ------------------
CREATE TYPE plan_status AS ENUM ('draft', 'published', 'discarded');

CREATE TABLE grid_plans (
  id             bigserial PRIMARY KEY,
  scope_area_id  bigint NOT NULL REFERENCES areas(id),
  title          text NOT NULL,
  status         plan_status NOT NULL DEFAULT 'draft',
  -- the published map this draft was copied from; publishing refuses a stale draft
  based_on       timestamptz NOT NULL,
  created_by     bigint REFERENCES accounts(id),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  validated_at   timestamptz,
  validation     jsonb,
  published_at   timestamptz,
  published_by   bigint REFERENCES accounts(id)
);

CREATE TABLE plan_grids (
  id          bigserial PRIMARY KEY,
  plan_id     bigint NOT NULL REFERENCES grid_plans(id) ON DELETE CASCADE,
  -- the published grid this row continues (keeps its identity); null for a new grid
  grid_id     bigint,
  code        text NOT NULL,
  name        text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('residential', 'dedicated')),
  village_id  bigint NOT NULL REFERENCES areas(id),
  -- may be invalid: validation reports it, publishing refuses it
  geom        geometry(MultiPolygon, 4326) NOT NULL,
  UNIQUE (plan_id, code)
);
CREATE INDEX plan_grids_plan ON plan_grids (plan_id);
CREATE INDEX plan_grids_geom ON plan_grids USING gist (geom);

-- Grids and their versions ----------------------------------------------------
CREATE TABLE grids (
  id         bigserial PRIMARY KEY,
  town_id    bigint NOT NULL REFERENCES areas(id),
  created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE plan_grids ADD FOREIGN KEY (grid_id) REFERENCES grids(id);

-- Each publish that changes the map is one publication; its id is the map revision
-- that caches (tiles, the in-process index) are keyed by.
CREATE TABLE grid_publications (
  id           bigserial PRIMARY KEY,
  plan_id      bigint REFERENCES grid_plans(id),
  published_at timestamptz NOT NULL,
  added        int NOT NULL DEFAULT 0,
  changed      int NOT NULL DEFAULT 0,
  removed      int NOT NULL DEFAULT 0,
  unchanged    int NOT NULL DEFAULT 0
);

CREATE TABLE grid_versions (
  id          bigserial PRIMARY KEY,
  grid_id     bigint NOT NULL REFERENCES grids(id),
  version     int NOT NULL,
  code        text NOT NULL,
  name        text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('residential', 'dedicated')),
  village_id  bigint NOT NULL REFERENCES areas(id),
  town_id     bigint NOT NULL REFERENCES areas(id),
  geom        geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
  geom_3857   geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
  area_m2     double precision NOT NULL,
  -- [valid_from, valid_to): valid_to null while current
  valid_from  timestamptz NOT NULL,
  valid_to    timestamptz CHECK (valid_to IS NULL OR valid_to > valid_from),
  publication_id bigint REFERENCES grid_publications(id),
  UNIQUE (grid_id, version)
);
CREATE INDEX grid_versions_geom ON grid_versions USING gist (geom);
CREATE INDEX grid_versions_current_3857 ON grid_versions USING gist (geom_3857) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX grid_versions_current_code ON grid_versions (code) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX grid_versions_one_current ON grid_versions (grid_id) WHERE valid_to IS NULL;
CREATE INDEX grid_versions_town ON grid_versions (town_id) WHERE valid_to IS NULL;
