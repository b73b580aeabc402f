-- Accounts that must choose their own password (the first admin, a password an admin
-- reset), when each password was set, and expired sessions found quickly for the purge.
ALTER TABLE accounts
  ADD COLUMN must_change_password boolean NOT NULL DEFAULT false,
  ADD COLUMN password_changed_at  timestamptz NOT NULL DEFAULT now();

CREATE INDEX sessions_expires ON sessions (expires_at);
