-- What recorders need a person to know: the disk filled up (ENOSPC), or the host's clock
-- jumped. One open disk_full alert per recorder, counted while it lasts; one row per
-- clock jump a recorder noticed.
CREATE TABLE recording_alerts (
  id          bigserial PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('disk_full', 'clock_jump')),
  recorder    text NOT NULL,
  detail      text NOT NULL,
  -- clock_jump: how far the wall clock moved, ms (negative: back)
  jump_ms     bigint,
  count       int NOT NULL DEFAULT 1,
  first_at    timestamptz NOT NULL DEFAULT now(),
  last_at     timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz
);
CREATE UNIQUE INDEX recording_alerts_open ON recording_alerts (kind, recorder) WHERE resolved_at IS NULL AND kind = 'disk_full';
CREATE INDEX recording_alerts_recent ON recording_alerts (last_at DESC);
