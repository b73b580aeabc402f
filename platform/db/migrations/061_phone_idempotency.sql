-- A phone's offline queue sends each report, photo and step with an Idempotency-Key;
-- the first answer is kept, and a replay of the same key gets it again instead of
-- doing the thing twice. A row without status is a request still running.
CREATE TABLE phone_requests (
  device_id    bigint NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
  key          text NOT NULL,
  route        text NOT NULL,
  status       int,
  answer       jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (device_id, key)
);
CREATE INDEX phone_requests_age ON phone_requests (created_at);
