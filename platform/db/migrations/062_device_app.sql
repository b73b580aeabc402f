-- Which version of the gridworker app a phone runs, and when the app last spoke
-- (positions say when the phone last reported a fix; the app may be closed meanwhile).
ALTER TABLE devices ADD COLUMN app_version text;
ALTER TABLE devices ADD COLUMN app_seen_at timestamptz;
