-- Reminders before a handoff's deadlines (催办) and the command room's 督办 reach the
-- department that holds the case: an in-app message to each of its accounts (the web
-- app, not a gridworker's phone), and an SMS to the department's own phone.
ALTER TABLE notifications ADD COLUMN account_id bigint REFERENCES accounts(id) ON DELETE SET NULL;
ALTER TABLE notifications DROP CONSTRAINT notifications_rule_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_rule_check
  CHECK (rule IN ('offer_unanswered', 'yellow_card', 'grid_flagged', 'escalated', 'handoff_reminder', 'handoff_urged'));
CREATE INDEX notifications_account ON notifications (account_id, created_at DESC) WHERE channel = 'in_app';
