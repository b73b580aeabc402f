-- Saved walls (预案) of each operator, and the wall each one left last (restored at the
-- next login). A wall: a layout ("4", "6", "3x5", …), its cameras in tile order (more
-- cameras than tiles are shown in turn: 轮巡 every rotate_s), and over how many screens
-- (browser windows) it is spread.
CREATE TABLE video_walls (
  id          bigserial PRIMARY KEY,
  account_id  bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  layout      text NOT NULL CHECK (layout ~ '^([0-9]{1,2}|[1-9]x[1-9])$'),
  -- Tile order; null = an empty tile.
  camera_ids  bigint[] NOT NULL DEFAULT '{}',
  rotate_s    int CHECK (rotate_s BETWEEN 5 AND 3600),
  screens     int NOT NULL DEFAULT 1 CHECK (screens BETWEEN 1 AND 8),
  revision    int NOT NULL DEFAULT 1,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, name)
);

CREATE TABLE video_wall_last (
  account_id  bigint PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
  layout      text NOT NULL CHECK (layout ~ '^([0-9]{1,2}|[1-9]x[1-9])$'),
  camera_ids  bigint[] NOT NULL DEFAULT '{}',
  rotate_s    int CHECK (rotate_s BETWEEN 5 AND 3600),
  wall_id     bigint REFERENCES video_walls(id) ON DELETE SET NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
