-- Notifications: every message the rules decide to send, one row per recipient and
-- channel, with its delivery status. `dedupe_key` is unique: the same rule firing twice
-- for the same thing (two workers processes hearing one live event, a replayed event)
-- writes one row, so nobody gets a message twice.
CREATE TABLE notifications (
  id            bigserial PRIMARY KEY,
  dedupe_key    text NOT NULL UNIQUE,
  rule          text NOT NULL CHECK (rule IN ('offer_unanswered', 'yellow_card', 'grid_flagged', 'escalated')),
  channel       text NOT NULL CHECK (channel IN ('sms', 'in_app')),
  town_id       bigint,
  person_id     bigint REFERENCES people(id) ON DELETE SET NULL,
  recipient     text NOT NULL,          -- a name for the record ("网格长 张三")
  phone         text,                   -- SMS only
  template      text NOT NULL,
  params        jsonb NOT NULL,
  body          text NOT NULL,          -- the Chinese text as the recipient reads it
  subject       text NOT NULL,          -- what it is about: "offer:12", "incident:7", "grid:3"
  due_at        timestamptz NOT NULL,   -- later than created_at: waits for an answer, or for quiet hours to end
  status        text NOT NULL DEFAULT 'scheduled'
                  CHECK (status IN ('scheduled', 'sending', 'sent', 'delivered', 'failed', 'cancelled', 'rate_limited')),
  status_detail text,
  provider_id   text,                   -- the gateway's id of the message (Aliyun's BizId)
  attempts      int NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now(),
  sent_at       timestamptz,
  settled_at    timestamptz
);
CREATE INDEX notifications_due ON notifications (due_at) WHERE status = 'scheduled';
CREATE INDEX notifications_unsettled ON notifications (sent_at) WHERE status = 'sent';
CREATE INDEX notifications_subject ON notifications (subject) WHERE status = 'scheduled';
CREATE INDEX notifications_phone_sent ON notifications (phone, sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX notifications_town ON notifications (town_id, created_at DESC);
CREATE INDEX notifications_person ON notifications (person_id, created_at DESC) WHERE channel = 'in_app';

-- Who hears of a town's trouble who is not a gridworker in the roster: the town leader
-- (分管领导) and the county's duty officer (社会治理中心值班员). One row per town and role.
CREATE TABLE notification_contacts (
  town_id  bigint NOT NULL REFERENCES areas(id),
  role     text NOT NULL CHECK (role IN ('town_leader', 'county_duty_officer')),
  name     text NOT NULL,
  phone    text NOT NULL CHECK (phone ~ '^\+?[0-9 -]{5,20}$'),
  PRIMARY KEY (town_id, role)
);
