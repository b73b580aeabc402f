-- Incidents: the taxonomy, intake from every source, dispatch offers, the closed loop's
-- append-only history, deadlines and yellow cards.

-- The four platforms (四个平台) every subcategory is routed to.
CREATE TYPE platform AS ENUM (
  'zongzhi',   -- 综治工作 comprehensive public-order work
  'shichang',  -- 市场监管 market supervision
  'zhifa',     -- 综合执法 comprehensive law enforcement
  'bianmin'    -- 便民服务 convenience services
);

CREATE TABLE incident_categories (
  code     text PRIMARY KEY CHECK (code ~ '^[a-z_]{2,40}$'),
  name     text NOT NULL,
  name_en  text NOT NULL,
  sort     int NOT NULL
);

CREATE TABLE incident_subcategories (
  code              text PRIMARY KEY CHECK (code ~ '^[a-z_]{2,40}\.[a-z_]{2,40}$'),
  category_code     text NOT NULL REFERENCES incident_categories(code),
  name              text NOT NULL,
  name_en           text NOT NULL,
  platform          platform NOT NULL,
  severity          smallint NOT NULL CHECK (severity BETWEEN 1 AND 4), -- 4: urgent
  -- numeric: a drill or a test may set seconds (0.05 minutes)
  accept_minutes    numeric NOT NULL CHECK (accept_minutes > 0),
  finish_minutes    numeric NOT NULL CHECK (finish_minutes > 0),
  -- two reports of this kind closer than this, this soon after each other, are one incident
  merge_radius_m    int NOT NULL DEFAULT 100 CHECK (merge_radius_m >= 0),
  merge_window_min  int NOT NULL DEFAULT 60 CHECK (merge_window_min >= 0),
  -- Open311 attributes (GeoReport v2 service definition), [] when none
  attributes        jsonb NOT NULL DEFAULT '[]',
  -- camera alarm kinds that become incidents of this subcategory
  camera_alert_kinds text[] NOT NULL DEFAULT '{}',
  active            boolean NOT NULL DEFAULT true,
  sort              int NOT NULL,
  CHECK (finish_minutes >= accept_minutes)
);

CREATE TYPE incident_state AS ENUM (
  'reported', 'dispatched', 'accepted', 'in_progress', 'handled', 'verified', 'closed',
  'escalated', 'returned', 'merged'
);
CREATE TYPE incident_source AS ENUM ('gridworker', 'camera', 'open311', 'operator');
-- Who holds an incident that the grid could not settle (village → town → city).
CREATE TYPE escalation_level AS ENUM ('grid', 'village', 'town', 'city');

CREATE TABLE incidents (
  id                 bigserial PRIMARY KEY,
  town_id            bigint NOT NULL REFERENCES areas(id),
  village_id         bigint REFERENCES areas(id),
  grid_id            bigint REFERENCES grids(id),
  grid_version_id    bigint REFERENCES grid_versions(id),
  subcategory_code   text NOT NULL REFERENCES incident_subcategories(code),
  platform           platform NOT NULL,
  severity           smallint NOT NULL,
  description        text NOT NULL,
  address            text,
  lon                double precision NOT NULL,
  lat                double precision NOT NULL,
  geog               geography(Point, 4326) NOT NULL,
  source             incident_source NOT NULL,
  state              incident_state NOT NULL DEFAULT 'reported',
  level              escalation_level NOT NULL DEFAULT 'grid',
  settled_on_spot    boolean NOT NULL DEFAULT false,
  assignee_person_id bigint REFERENCES people(id),
  merged_into        bigint REFERENCES incidents(id),
  camera_id          bigint REFERENCES cameras(id),
  report_count       int NOT NULL DEFAULT 1,
  rating             smallint CHECK (rating BETWEEN 1 AND 5),
  reported_at        timestamptz NOT NULL,
  accepted_at        timestamptz,
  handled_at         timestamptz,
  closed_at          timestamptz,
  accept_due_at      timestamptz NOT NULL,
  finish_due_at      timestamptz NOT NULL,
  -- dispatch needs doing: the sweep re-creates a lost job from this
  dispatch_wanted    boolean NOT NULL DEFAULT false,
  dispatch_misses    int NOT NULL DEFAULT 0,
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CHECK ((state = 'merged') = (merged_into IS NOT NULL))
);
CREATE INDEX incidents_town_state ON incidents (town_id, state);
CREATE INDEX incidents_grid ON incidents (grid_id, reported_at);
CREATE INDEX incidents_reported ON incidents (reported_at);
CREATE INDEX incidents_assignee ON incidents (assignee_person_id) WHERE state IN ('accepted', 'in_progress', 'returned');
CREATE INDEX incidents_open_geog ON incidents USING gist (geog) WHERE state NOT IN ('closed', 'merged');
CREATE INDEX incidents_dispatch_wanted ON incidents (id) WHERE dispatch_wanted;

-- Every report that made or joined an incident: a phone, a camera alarm, a citizen.
CREATE TABLE incident_reports (
  id                 bigserial PRIMARY KEY,
  incident_id        bigint NOT NULL REFERENCES incidents(id),
  source             incident_source NOT NULL,
  subcategory_code   text NOT NULL,
  description        text NOT NULL,
  lon                double precision NOT NULL,
  lat                double precision NOT NULL,
  reporter_person_id bigint REFERENCES people(id),
  reporter_account_id bigint REFERENCES accounts(id),
  camera_alert_id    bigint UNIQUE REFERENCES camera_alerts(id),
  -- a citizen's contact, from Open311 (never shown to other citizens)
  contact            jsonb,
  attributes         jsonb,
  received_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX incident_reports_incident ON incident_reports (incident_id);

-- Photos, video and camera snapshots; bytes live in the media directory by content hash.
CREATE TABLE incident_media (
  id            bigserial PRIMARY KEY,
  incident_id   bigint NOT NULL REFERENCES incidents(id),
  report_id     bigint REFERENCES incident_reports(id),
  kind          text NOT NULL CHECK (kind IN ('photo', 'video', 'snapshot')),
  stage         text NOT NULL CHECK (stage IN ('report', 'feedback')),
  content_type  text NOT NULL,
  bytes         int NOT NULL,
  file          text NOT NULL,
  added_by_person_id bigint REFERENCES people(id),
  added_by_account_id bigint REFERENCES accounts(id),
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX incident_media_incident ON incident_media (incident_id);

-- Pushed live streams (a gridworker's phone at the scene, a drone) attached to an incident.
CREATE TABLE incident_live_sources (
  incident_id    bigint NOT NULL REFERENCES incidents(id),
  live_source_id bigint NOT NULL REFERENCES live_sources(id),
  attached_at    timestamptz NOT NULL DEFAULT now(),
  attached_by_account_id bigint REFERENCES accounts(id),
  PRIMARY KEY (incident_id, live_source_id)
);

-- The closed loop's trace (留痕): who did what, when, from where, and why. Append-only.
CREATE TABLE incident_history (
  id            bigserial PRIMARY KEY,
  incident_id   bigint NOT NULL REFERENCES incidents(id),
  at            timestamptz NOT NULL DEFAULT clock_timestamp(),
  action        text NOT NULL,
  from_state    incident_state,
  to_state      incident_state NOT NULL,
  actor_account_id bigint REFERENCES accounts(id),
  actor_person_id  bigint REFERENCES people(id),
  -- 'system' for the dispatcher worker and the deadline sweep
  actor_kind    text NOT NULL CHECK (actor_kind IN ('account', 'phone', 'system', 'citizen', 'camera')),
  actor_label   text NOT NULL,
  lon           double precision,
  lat           double precision,
  note          text,
  data          jsonb
);
CREATE INDEX incident_history_incident ON incident_history (incident_id, id);

CREATE FUNCTION refuse_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'incident_history is append-only';
END $$;
CREATE TRIGGER incident_history_append_only BEFORE UPDATE OR DELETE ON incident_history
  FOR EACH ROW EXECUTE FUNCTION refuse_history_change();

-- Offers of an incident to a gridworker. At most one is pending per incident: that is
-- what "dispatched exactly once at a time" rests on, whatever the workers do.
CREATE TABLE dispatch_offers (
  id           bigserial PRIMARY KEY,
  incident_id  bigint NOT NULL REFERENCES incidents(id),
  person_id    bigint NOT NULL REFERENCES people(id),
  offered_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  expires_at   timestamptz NOT NULL,
  answered_at  timestamptz,
  outcome      text NOT NULL DEFAULT 'pending'
                 CHECK (outcome IN ('pending', 'accepted', 'declined', 'expired', 'withdrawn')),
  distance_m   double precision,
  by_hand      boolean NOT NULL DEFAULT false,
  offered_by_account_id bigint REFERENCES accounts(id)
);
CREATE UNIQUE INDEX dispatch_offers_one_pending ON dispatch_offers (incident_id) WHERE outcome = 'pending';
CREATE INDEX dispatch_offers_incident ON dispatch_offers (incident_id, person_id);
CREATE INDEX dispatch_offers_pending_expiry ON dispatch_offers (expires_at) WHERE outcome = 'pending';
CREATE INDEX dispatch_offers_person ON dispatch_offers (person_id) WHERE outcome = 'pending';

-- Deadlines of each incident: to accept it, to finish it. Open while outcome is null.
CREATE TABLE incident_deadlines (
  id           bigserial PRIMARY KEY,
  incident_id  bigint NOT NULL REFERENCES incidents(id),
  kind         text NOT NULL CHECK (kind IN ('accept', 'finish')),
  due_at       timestamptz NOT NULL,
  outcome      text CHECK (outcome IN ('met', 'missed', 'cancelled')),
  settled_at   timestamptz,
  UNIQUE (incident_id, kind)
);
CREATE INDEX incident_deadlines_open_due ON incident_deadlines (due_at) WHERE outcome IS NULL;

-- A yellow card (黄牌) for a missed deadline: one per deadline, never two.
CREATE TABLE yellow_cards (
  id           bigserial PRIMARY KEY,
  deadline_id  bigint NOT NULL UNIQUE REFERENCES incident_deadlines(id),
  incident_id  bigint NOT NULL REFERENCES incidents(id),
  kind         text NOT NULL,
  platform     platform NOT NULL,
  town_id      bigint NOT NULL,
  village_id   bigint,
  grid_id      bigint,
  person_id    bigint REFERENCES people(id),
  given_at     timestamptz NOT NULL
);
CREATE INDEX yellow_cards_grid ON yellow_cards (grid_id, given_at);
CREATE INDEX yellow_cards_town ON yellow_cards (town_id, given_at);

-- Keys of Open311 clients (the 12345 hotline's system, a citizen app), hashed.
CREATE TABLE open311_clients (
  id         bigserial PRIMARY KEY,
  name       text NOT NULL,
  key_hash   bytea NOT NULL UNIQUE,
  town_id    bigint REFERENCES areas(id),
  disabled   boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The default taxonomy: 10 categories, 42 subcategories (after Shaoxing's preset),
-- deadlines in minutes: accept within 2 days and finish within 7 unless urgent.
INSERT INTO incident_categories (code, name, name_en, sort) VALUES
  ('dispute',          '矛盾纠纷',       'Disputes',                       1),
  ('public_order',     '治安隐患',       'Public-order hazards',           2),
  ('work_safety',      '安全生产',       'Work safety',                    3),
  ('fire',             '消防安全',       'Fire safety',                    4),
  ('illegal_building', '违章建筑',       'Illegal building',               5),
  ('environment',      '环境与水',       'Environment and water',          6),
  ('market',           '食品药品与市场', 'Food, drugs and the market',     7),
  ('traffic',          '交通',           'Traffic',                        8),
  ('disaster',         '防汛与地质灾害', 'Flood and geological disaster',  9),
  ('services',         '便民服务',       'Services for residents',        10);

INSERT INTO incident_subcategories
  (code, category_code, name, name_en, platform, severity, accept_minutes, finish_minutes, merge_radius_m, merge_window_min, camera_alert_kinds, attributes, sort) VALUES
  ('dispute.neighbour',        'dispute', '邻里纠纷',         'Neighbour dispute',          'zongzhi', 2, 2880, 10080, 50, 1440, '{}', '[]', 1),
  ('dispute.family',           'dispute', '婚姻家庭纠纷',     'Family dispute',             'zongzhi', 2, 2880, 10080, 50, 1440, '{}', '[]', 2),
  ('dispute.land',             'dispute', '土地山林纠纷',     'Land or forest dispute',     'zongzhi', 2, 2880, 10080, 100, 1440, '{}', '[]', 3),
  ('dispute.labour',           'dispute', '劳资纠纷',         'Wage dispute',               'zongzhi', 3, 1440, 10080, 100, 1440, '{}',
     '[{"code":"workers","datatype":"number","required":false,"description":"涉及人数 Number of workers involved","order":1}]', 4),
  ('dispute.property',         'dispute', '物业纠纷',         'Property-management dispute','zongzhi', 1, 2880, 10080, 50, 1440, '{}', '[]', 5),
  ('public_order.fight',       'public_order', '打架斗殴',    'Fight',                      'zongzhi', 4, 10, 1440, 200, 60, '{}', '[]', 1),
  ('public_order.suspicious',  'public_order', '可疑人员或行为', 'Suspicious person or activity', 'zongzhi', 3, 30, 1440, 150, 30,
     '{intrusion,line_crossing,motion,tamper,other}', '[]', 2),
  ('public_order.fraud',       'public_order', '诈骗传销',    'Fraud or pyramid selling',   'zongzhi', 3, 120, 2880, 200, 1440, '{}', '[]', 3),
  ('public_order.gambling',    'public_order', '黄赌毒',      'Gambling, drugs or prostitution', 'zongzhi', 3, 120, 2880, 100, 1440, '{}', '[]', 4),
  ('work_safety.enterprise',   'work_safety', '企业安全隐患', 'Hazard at a business',       'zhifa', 2, 2880, 10080, 50, 1440, '{}', '[]', 1),
  ('work_safety.chemicals',    'work_safety', '危化品隐患',   'Hazardous chemicals',        'zhifa', 4, 30, 1440, 200, 120, '{}', '[]', 2),
  ('work_safety.construction', 'work_safety', '建筑工地安全', 'Construction-site safety',   'zhifa', 2, 2880, 10080, 100, 1440, '{}', '[]', 3),
  ('work_safety.gas',          'work_safety', '燃气安全',     'Gas leak or gas safety',     'zhifa', 4, 15, 720, 100, 120, '{}', '[]', 4),
  ('fire.outbreak',            'fire', '火情',                'Fire',                       'zongzhi', 4, 5, 240, 300, 120, '{}',
     '[{"code":"people_trapped","datatype":"singlevaluelist","required":true,"description":"是否有人被困 Is anyone trapped?","order":1,"values":[{"key":"yes","name":"有 yes"},{"key":"no","name":"无 no"},{"key":"unknown","name":"不清楚 unknown"}]}]', 1),
  ('fire.blocked_exit',        'fire', '消防通道堵塞',        'Blocked fire exit or lane',  'zhifa', 2, 1440, 4320, 50, 1440, '{}', '[]', 2),
  ('fire.ebike_charging',      'fire', '电动车违规充电',      'Unsafe e-bike charging',     'zhifa', 3, 720, 4320, 50, 1440, '{}', '[]', 3),
  ('fire.equipment',           'fire', '消防设施损坏',        'Broken fire equipment',      'zhifa', 2, 2880, 10080, 50, 1440, '{}', '[]', 4),
  ('illegal_building.new',     'illegal_building', '违法新建', 'Unauthorised new building', 'zhifa', 2, 2880, 10080, 50, 10080, '{}', '[]', 1),
  ('illegal_building.extension','illegal_building', '违法扩建搭建', 'Unauthorised extension', 'zhifa', 2, 2880, 10080, 50, 10080, '{}', '[]', 2),
  ('illegal_building.land_use','illegal_building', '违法占地', 'Illegal land use',          'zhifa', 2, 2880, 10080, 100, 10080, '{}', '[]', 3),
  ('environment.garbage',      'environment', '垃圾乱堆乱放', 'Dumped rubbish',             'zhifa', 1, 2880, 10080, 50, 1440, '{}', '[]', 1),
  ('environment.sewage',       'environment', '污水直排',     'Sewage discharge',           'zhifa', 3, 720, 4320, 200, 1440, '{}', '[]', 2),
  ('environment.river',        'environment', '河道污染',     'River pollution or debris',  'zhifa', 2, 1440, 10080, 300, 1440, '{}', '[]', 3),
  ('environment.air',          'environment', '废气扬尘',     'Fumes or dust',              'zhifa', 2, 1440, 10080, 200, 1440, '{}', '[]', 4),
  ('environment.burning',      'environment', '露天焚烧',     'Open burning',               'zhifa', 3, 60, 1440, 200, 240, '{}', '[]', 5),
  ('market.food',              'market', '食品安全',          'Food safety',                'shichang', 3, 720, 4320, 100, 1440, '{}', '[]', 1),
  ('market.fake_drugs',        'market', '假冒药品药酒',      'Fake medicine or medicinal wine', 'shichang', 4, 30, 1440, 200, 1440, '{}', '[]', 2),
  ('market.unlicensed',        'market', '无证经营',          'Unlicensed business',        'shichang', 2, 2880, 10080, 50, 10080, '{}', '[]', 3),
  ('market.prices',            'market', '价格欺诈',          'Price fraud',                'shichang', 2, 2880, 10080, 50, 1440, '{}', '[]', 4),
  ('market.special_equipment', 'market', '特种设备隐患',      'Lift, boiler or other special equipment', 'shichang', 3, 720, 4320, 50, 1440, '{}', '[]', 5),
  ('traffic.jam',              'traffic', '交通拥堵',         'Traffic jam',                'zongzhi', 4, 10, 120, 500, 60, '{}',
     '[{"code":"lanes_blocked","datatype":"number","required":false,"description":"堵塞车道数 Lanes blocked","order":1}]', 1),
  ('traffic.accident',         'traffic', '交通事故',         'Traffic accident',           'zongzhi', 4, 10, 240, 200, 60, '{}', '[]', 2),
  ('traffic.road_damage',      'traffic', '道路破损',         'Damaged road',               'bianmin', 2, 2880, 10080, 100, 10080, '{}', '[]', 3),
  ('traffic.parking',          'traffic', '违停占道',         'Illegal parking or blocked street', 'zhifa', 1, 2880, 10080, 50, 240, '{}', '[]', 4),
  ('disaster.waterlogging',    'disaster', '积水内涝',        'Waterlogging or flooding',   'zongzhi', 4, 30, 720, 300, 240, '{}', '[]', 1),
  ('disaster.landslide',       'disaster', '山体滑坡地质隐患', 'Landslide or geological hazard', 'zongzhi', 4, 30, 1440, 300, 1440, '{}', '[]', 2),
  ('disaster.dike',            'disaster', '堤坝险情',        'Dike or embankment danger',  'zongzhi', 4, 15, 720, 500, 240, '{}', '[]', 3),
  ('services.elderly',         'services', '独居老人帮扶',    'Help for an elderly person living alone', 'bianmin', 2, 1440, 4320, 30, 1440, '{}', '[]', 1),
  ('services.utilities',       'services', '水电气故障',      'Water, power or gas outage', 'bianmin', 3, 240, 2880, 300, 240, '{}', '[]', 2),
  ('services.streetlight',     'services', '路灯损坏',        'Broken street light',        'bianmin', 1, 2880, 10080, 50, 10080, '{}', '[]', 3),
  ('services.paperwork',       'services', '证照代办',        'Help with paperwork',        'bianmin', 1, 2880, 10080, 0, 0, '{}', '[]', 4),
  ('services.suggestion',      'services', '咨询建议',        'Question or suggestion',     'bianmin', 1, 2880, 10080, 0, 0, '{}', '[]', 5);
