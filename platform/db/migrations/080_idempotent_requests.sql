-- The phones' idempotency keys, made general: the 12345 hotline (an Open311 client) sends
-- its calls again until answered too. A key belongs to a scope, who sent it
-- ('device:<id>', 'open311:<client id>'); the first answer is kept, a replay gets it
-- again. A row without status is a request still running.
CREATE TABLE idempotent_requests (
  scope        text NOT NULL,
  key          text NOT NULL,
  route        text NOT NULL,
  status       int,
  answer       jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotent_requests_age ON idempotent_requests (created_at);

INSERT INTO idempotent_requests (scope, key, route, status, answer, created_at)
SELECT 'device:' || device_id, key, route, status, answer, created_at FROM phone_requests;

DROP TABLE phone_requests;
