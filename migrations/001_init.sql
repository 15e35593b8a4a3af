-- The first schema: calls and their timeline, CDRs, the event outbox, webhooks, API keys.

CREATE TABLE calls (
  id            uuid PRIMARY KEY,
  pbx_node      text NOT NULL,
  channel_id    text NOT NULL,
  linkedid      text,
  direction     text NOT NULL CHECK (direction IN ('inbound', 'outbound', 'internal')),
  caller_number text,
  caller_name   text,
  dnis          text,
  state         text NOT NULL,
  data          jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  answered_at   timestamptz,
  ended_at      timestamptz,
  hangup_cause  integer,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (pbx_node, channel_id)
);
CREATE INDEX calls_created_at_idx ON calls (created_at DESC, id DESC);
CREATE INDEX calls_linkedid_idx ON calls (pbx_node, linkedid);
CREATE INDEX calls_state_idx ON calls (state) WHERE state <> 'ended';

-- Every leg (channel) a call has had, so resync and transfers know who belongs where.
CREATE TABLE call_legs (
  call_id     uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
  channel_id  text NOT NULL,
  role        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  ended_at    timestamptz,
  PRIMARY KEY (call_id, channel_id)
);

CREATE TABLE call_events (
  id       bigserial PRIMARY KEY,
  call_id  uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
  type     text NOT NULL,
  at       timestamptz NOT NULL DEFAULT now(),
  data     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX call_events_call_idx ON call_events (call_id, id);

CREATE TABLE cdrs (
  id            uuid PRIMARY KEY,
  call_id       uuid NOT NULL UNIQUE REFERENCES calls (id),
  pbx_node      text NOT NULL,
  linkedid      text,
  direction     text NOT NULL,
  caller_number text,
  caller_name   text,
  dnis          text,
  started_at    timestamptz NOT NULL,
  answered_at   timestamptz,
  ended_at      timestamptz NOT NULL,
  duration_ms   integer NOT NULL,
  talk_ms       integer NOT NULL,
  disposition   text NOT NULL,
  hangup_cause  integer,
  data          jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cdrs_ended_at_idx ON cdrs (ended_at DESC);

-- Written in the same transaction as the state change it announces; the relay moves
-- rows to BullMQ and marks them published. Nothing is lost if Redis is down.
CREATE TABLE outbox (
  id            bigserial PRIMARY KEY,
  event_id      uuid NOT NULL UNIQUE,
  type          text NOT NULL,
  payload       jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  published_at  timestamptz
);
CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;

CREATE TABLE webhook_subscriptions (
  id               uuid PRIMARY KEY,
  url              text NOT NULL,
  secret           text NOT NULL,
  event_types      text[] NOT NULL DEFAULT '{}',
  description      text,
  enabled          boolean NOT NULL DEFAULT true,
  disabled_reason  text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  deleted_at       timestamptz
);

CREATE TABLE webhook_deliveries (
  id               uuid PRIMARY KEY,
  subscription_id  uuid NOT NULL REFERENCES webhook_subscriptions (id),
  event_id         uuid NOT NULL,
  event_type       text NOT NULL,
  status           text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'dead', 'disabled')),
  attempts         integer NOT NULL DEFAULT 0,
  last_status_code integer,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  delivered_at     timestamptz,
  UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_sub_idx ON webhook_deliveries (subscription_id, created_at DESC);

CREATE TABLE webhook_attempts (
  id           bigserial PRIMARY KEY,
  delivery_id  uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempt      integer NOT NULL,
  at           timestamptz NOT NULL DEFAULT now(),
  status_code  integer,
  error        text,
  duration_ms  integer NOT NULL
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, attempt);

CREATE TABLE api_keys (
  id            uuid PRIMARY KEY,
  name          text NOT NULL,
  prefix        text NOT NULL UNIQUE,
  hash          text NOT NULL,
  scopes        text[] NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
