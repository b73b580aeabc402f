-- 会商: the command room convenes several organisations on one incident, with a shared thread.
CREATE TABLE consultations (
  id           bigserial PRIMARY KEY,
  incident_id  bigint NOT NULL REFERENCES incidents(id),
  town_id      bigint NOT NULL REFERENCES areas(id),
  topic        text NOT NULL CHECK (length(topic) BETWEEN 1 AND 200),
  convened_by  bigint REFERENCES accounts(id),
  convened_at  timestamptz NOT NULL DEFAULT now(),
  closed_at    timestamptz
);
CREATE INDEX consultations_incident ON consultations (incident_id);
CREATE INDEX consultations_town ON consultations (town_id, convened_at);

CREATE TABLE consultation_orgs (
  consultation_id bigint NOT NULL REFERENCES consultations(id),
  org_id          bigint NOT NULL REFERENCES organisations(id),
  PRIMARY KEY (consultation_id, org_id)
);
CREATE INDEX consultation_orgs_org ON consultation_orgs (org_id);

CREATE TABLE consultation_messages (
  id              bigserial PRIMARY KEY,
  consultation_id bigint NOT NULL REFERENCES consultations(id),
  at              timestamptz NOT NULL DEFAULT clock_timestamp(),
  account_id      bigint REFERENCES accounts(id),
  actor_label     text NOT NULL,
  org_id          bigint REFERENCES organisations(id),
  body            text NOT NULL CHECK (length(body) BETWEEN 1 AND 2000)
);
CREATE INDEX consultation_messages_thread ON consultation_messages (consultation_id, id);
