-- ACD definitions: the skills catalogue, agents with their skills, queues with their
-- routing rules. Live state (agent states, waiting calls, reservations) is in Redis;
-- what is kept here is what must outlive a restart: definitions, the agents' legs of
-- calls (so call control finds an agent's channel) and per-call queue outcomes for stats.
CREATE TABLE acd_skills (
  name        text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  description text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE acd_agents (
  id               text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
  name             text NOT NULL,
  endpoint         text NOT NULL,
  skills           jsonb NOT NULL DEFAULT '{}'::jsonb,
  ring_seconds     integer NOT NULL CHECK (ring_seconds BETWEEN 5 AND 120),
  wrap_up_seconds  integer NOT NULL CHECK (wrap_up_seconds BETWEEN 0 AND 3600),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE acd_queues (
  id          text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  name        text NOT NULL,
  definition  jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per agent leg: a queue offer or a direct (transfer) offer.
CREATE TABLE acd_agent_legs (
  offer_id     text PRIMARY KEY,
  call_id      uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
  agent_id     text NOT NULL,
  channel_id   text,
  queue_id     text,
  reason       text NOT NULL CHECK (reason IN ('queue', 'transfer', 'consult')),
  offered_at   timestamptz NOT NULL DEFAULT now(),
  answered_at  timestamptz,
  ended_at     timestamptz,
  outcome      text
);
CREATE INDEX acd_agent_legs_call_idx ON acd_agent_legs (call_id) WHERE ended_at IS NULL;
CREATE INDEX acd_agent_legs_channel_idx ON acd_agent_legs (channel_id);

-- How each call's stay in a queue ended, for the day's statistics.
CREATE TABLE acd_queue_outcomes (
  id          bigserial PRIMARY KEY,
  queue_id    text NOT NULL,
  call_id     uuid NOT NULL,
  outcome     text NOT NULL CHECK (outcome IN ('answered', 'abandoned', 'overflowed', 'left')),
  wait_ms     integer NOT NULL,
  short       boolean NOT NULL DEFAULT false,
  entered_at  timestamptz NOT NULL,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX acd_queue_outcomes_day_idx ON acd_queue_outcomes (queue_id, at);
CREATE TABLE acd_queue_entries (
  id          bigserial PRIMARY KEY,
  queue_id    text NOT NULL,
  call_id     uuid NOT NULL,
  overflow_from text,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX acd_queue_entries_day_idx ON acd_queue_entries (queue_id, at);
