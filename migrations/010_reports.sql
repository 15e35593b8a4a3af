-- Reports read the event journal by time; campaigns keep contacts, attempts and a
-- do-not-call list.
CREATE INDEX outbox_created_at_idx ON outbox (created_at);

CREATE TABLE campaigns (
  id               uuid PRIMARY KEY,
  name             text NOT NULL,
  source           jsonb NOT NULL,
  time_zone        text NOT NULL,
  calling_hours    jsonb NOT NULL,
  max_attempts     integer NOT NULL CHECK (max_attempts BETWEEN 1 AND 50),
  retry_minutes    integer NOT NULL CHECK (retry_minutes >= 0),
  status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'finished')),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE campaign_contacts (
  id               uuid PRIMARY KEY,
  campaign_id      uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  number           text NOT NULL,
  name             text,
  reference        text,
  data             jsonb NOT NULL DEFAULT '{}'::jsonb,
  status           text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'offered', 'reached', 'wrong_number', 'exhausted', 'do_not_call')),
  attempts         integer NOT NULL DEFAULT 0,
  last_attempt_at  timestamptz,
  last_outcome     text,
  callback_at      timestamptz,
  offered_at       timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (campaign_id, number)
);
CREATE INDEX campaign_contacts_open_idx ON campaign_contacts (campaign_id, status) WHERE status IN ('pending', 'offered');

CREATE TABLE campaign_attempts (
  id          bigserial PRIMARY KEY,
  contact_id  uuid NOT NULL REFERENCES campaign_contacts (id) ON DELETE CASCADE,
  at          timestamptz NOT NULL DEFAULT now(),
  outcome     text NOT NULL,
  agent_id    text,
  callback_at timestamptz,
  note        text
);
CREATE INDEX campaign_attempts_contact_idx ON campaign_attempts (contact_id, id);

CREATE TABLE do_not_call (
  number      text PRIMARY KEY,
  reason      text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
