-- The security log: who logged in, failed, was throttled, changed an account, a role,
-- a password or a camera's credentials, took over a PTZ lock or exported data.
-- Append-only: the database itself refuses UPDATE, DELETE and TRUNCATE, so neither a
-- bug nor a stolen application login can rewrite the record.
CREATE TABLE security_log (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  kind        text NOT NULL CHECK (kind ~ '^[a-z_.]{3,64}$'),
  -- who acted (null: nobody logged in, e.g. a failed login) and the name they gave
  actor_id    bigint,
  actor_name  text,
  ip          text,
  -- the towns the event concerns; an admin scoped to some towns sees only these rows
  town_ids    bigint[] NOT NULL DEFAULT '{}',
  -- the account or object acted upon, and what changed (never a password or a key)
  subject     text,
  details     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX security_log_at ON security_log (at DESC);
CREATE INDEX security_log_towns ON security_log USING gin (town_ids);

CREATE FUNCTION security_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'security_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER security_log_no_change BEFORE UPDATE OR DELETE ON security_log
  FOR EACH ROW EXECUTE FUNCTION security_log_append_only();
CREATE TRIGGER security_log_no_truncate BEFORE TRUNCATE ON security_log
  FOR EACH STATEMENT EXECUTE FUNCTION security_log_append_only();
