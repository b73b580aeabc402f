-- The four platforms as organisations, and the cases handed to them (交办).
--
-- A town's 综合信息指挥室 (command_room) receives every case; the four platforms (platform)
-- gather the town's stationed departments (department: 市场监管所, 综合执法中队, 司法所, 派出所 …);
-- villages (村社) handle what is theirs. Above the town, the county/district 社会治理中心
-- (county_centre) receives what a town escalates (上报) and hands it to county departments
-- (county_department), or hands cases down (下派) to a town's command room.
CREATE TYPE org_kind AS ENUM (
  'command_room', 'platform', 'department', 'village', 'county_centre', 'county_department'
);

CREATE TABLE organisations (
  id           bigserial PRIMARY KEY,
  code         text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_.-]{2,64}$'),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
  kind         org_kind NOT NULL,
  -- the town it belongs to; null for the county's (they cover the towns under area_id)
  town_id      bigint REFERENCES areas(id),
  -- the area it serves: its town, its village, or the county/district for county organisations
  area_id      bigint NOT NULL REFERENCES areas(id),
  -- a department's platform (or county department's parent centre); a platform's command room
  parent_id    bigint REFERENCES organisations(id),
  platform     platform,
  -- subcategory categories it is the usual lead for (routing suggestions), e.g. {market, food}
  categories   text[] NOT NULL DEFAULT '{}',
  -- its deadlines when a subcategory sets none: Hangbu's 2 days to accept, 7 to finish
  accept_minutes numeric NOT NULL DEFAULT 2880 CHECK (accept_minutes > 0),
  finish_minutes numeric NOT NULL DEFAULT 10080 CHECK (finish_minutes > 0),
  phone        text,
  active       boolean NOT NULL DEFAULT true,
  created_at   timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind IN ('county_centre', 'county_department')) = (town_id IS NULL)),
  CHECK (finish_minutes >= accept_minutes)
);
CREATE INDEX organisations_town ON organisations (town_id);
CREATE INDEX organisations_area ON organisations (area_id);

-- Who works where, with which duty there: 受理 intake, 处置 handler, 负责人 head.
CREATE TYPE org_duty AS ENUM ('intake', 'handler', 'head');
CREATE TABLE org_members (
  org_id     bigint NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
  account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  duty       org_duty NOT NULL,
  added_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, account_id)
);
CREATE INDEX org_members_account ON org_members (account_id);

-- A subcategory's own deadlines for the departments it is handed to (null: the department's).
CREATE TABLE handoff_deadline_rules (
  subcategory_code text PRIMARY KEY REFERENCES incident_subcategories(code),
  accept_minutes   numeric NOT NULL CHECK (accept_minutes > 0),
  finish_minutes   numeric NOT NULL CHECK (finish_minutes > 0),
  CHECK (finish_minutes >= accept_minutes)
);

-- One organisation holding one incident: offered → accepted → fed_back → closed (终结),
-- or returned (退回, with a reason) / withdrawn. kind: handoff 交办 (town to its
-- departments, county centre to county departments), escalation 上报 (town to county
-- centre), handdown 下派 (county to a town's command room).
CREATE TABLE handoffs (
  id               bigserial PRIMARY KEY,
  incident_id      bigint NOT NULL REFERENCES incidents(id),
  town_id          bigint NOT NULL REFERENCES areas(id),
  org_id           bigint NOT NULL REFERENCES organisations(id),
  from_org_id      bigint REFERENCES organisations(id),
  kind             text NOT NULL CHECK (kind IN ('handoff', 'escalation', 'handdown')),
  role             text NOT NULL CHECK (role IN ('lead', 'helper')),
  state            text NOT NULL DEFAULT 'offered'
                     CHECK (state IN ('offered', 'accepted', 'fed_back', 'returned', 'closed', 'withdrawn')),
  offered_at       timestamptz NOT NULL,
  offered_by       bigint REFERENCES accounts(id),
  note             text,
  accept_due_at    timestamptz NOT NULL,
  finish_due_at    timestamptz NOT NULL,
  accepted_at      timestamptz,
  accepted_by      bigint REFERENCES accounts(id),
  fed_back_at      timestamptz,
  feedback         text,
  returned_at      timestamptz,
  return_reason    text,
  closed_at        timestamptz,
  -- automatic reminders (催办) sent before each deadline
  accept_reminded_at timestamptz,
  finish_reminded_at timestamptz,
  CHECK (finish_due_at >= accept_due_at),
  CHECK (state <> 'returned' OR return_reason IS NOT NULL)
);
CREATE INDEX handoffs_incident ON handoffs (incident_id, id);
CREATE INDEX handoffs_org_open ON handoffs (org_id, state) WHERE state IN ('offered', 'accepted', 'fed_back');
CREATE INDEX handoffs_town ON handoffs (town_id, offered_at);
-- an organisation holds an incident once at a time; an incident has one lead at a time per
-- hander (the town's command room, and the county centre once it holds an escalated case)
CREATE UNIQUE INDEX handoffs_one_open_per_org ON handoffs (incident_id, org_id)
  WHERE state IN ('offered', 'accepted', 'fed_back');
CREATE UNIQUE INDEX handoffs_one_open_lead ON handoffs (incident_id, COALESCE(from_org_id, 0))
  WHERE role = 'lead' AND state IN ('offered', 'accepted', 'fed_back');

-- Every step of a handoff (留痕): who, from which organisation, why.
CREATE TABLE handoff_events (
  id          bigserial PRIMARY KEY,
  handoff_id  bigint REFERENCES handoffs(id),
  incident_id bigint NOT NULL REFERENCES incidents(id),
  at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  action      text NOT NULL,
  account_id  bigint REFERENCES accounts(id),
  actor_label text NOT NULL,
  actor_org_id bigint REFERENCES organisations(id),
  note        text,
  data        jsonb
);
CREATE INDEX handoff_events_incident ON handoff_events (incident_id, id);
CREATE INDEX handoff_events_handoff ON handoff_events (handoff_id, id);

-- A yellow card (黄牌) to the organisation that missed its step: one per handoff and kind.
CREATE TABLE org_yellow_cards (
  id          bigserial PRIMARY KEY,
  handoff_id  bigint NOT NULL REFERENCES handoffs(id),
  kind        text NOT NULL CHECK (kind IN ('accept', 'finish')),
  org_id      bigint NOT NULL REFERENCES organisations(id),
  incident_id bigint NOT NULL REFERENCES incidents(id),
  town_id     bigint NOT NULL REFERENCES areas(id),
  given_at    timestamptz NOT NULL,
  UNIQUE (handoff_id, kind)
);
CREATE INDEX org_yellow_cards_org ON org_yellow_cards (org_id, given_at);
CREATE INDEX org_yellow_cards_town ON org_yellow_cards (town_id, given_at);
