-- The web app's inbox: an account marks its in-app messages read. NULL is unread; a
-- message keeps the time it was first read. The partial index answers the top bar's
-- unread count without reading an account's history.
ALTER TABLE notifications ADD COLUMN read_at timestamptz;
CREATE INDEX notifications_account_unread ON notifications (account_id)
  WHERE channel = 'in_app' AND read_at IS NULL;
