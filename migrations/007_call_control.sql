-- Call control: who may dial where (per API key), click-to-dial requests (idempotency and
-- limits), transfers, and which agent a leg belongs to.

-- A key without a row dials under the service defaults (CALLS_* variables).
CREATE TABLE api_key_dial_policies (
  api_key_id      uuid PRIMARY KEY REFERENCES api_keys (id) ON DELETE CASCADE,
  allow           text[] NOT NULL,
  deny            text[] NOT NULL DEFAULT '{}',
  -- What the dialled party sees; null keeps the service default.
  caller_id       text,
  max_concurrent  integer CHECK (max_concurrent > 0),
  max_per_minute  integer CHECK (max_per_minute > 0),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- One row per accepted click-to-dial request: the same key and Idempotency-Key give back
-- the same call; the rows of the last minute and the live calls are the key's limits.
CREATE TABLE call_originations (
  call_id          uuid PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
  api_key_id       uuid NOT NULL,
  idempotency_key  text,
  request_hash     text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX call_originations_idem_idx ON call_originations (api_key_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX call_originations_key_idx ON call_originations (api_key_id, created_at DESC);

CREATE TABLE call_transfers (
  id                 uuid PRIMARY KEY,
  call_id            uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
  pbx_node           text NOT NULL,
  mode               text NOT NULL CHECK (mode IN ('blind', 'attended')),
  state              text NOT NULL CHECK (state IN ('ringback', 'answered', 'conference', 'completed', 'cancelled', 'abandoned')),
  initiator_present  boolean NOT NULL DEFAULT true,
  from_agent_id      text,
  from_channel_id    text NOT NULL,
  to_agent_id        text,
  to_extension       text,
  to_number          text,
  target_channel_id  text NOT NULL,
  timeout_ms         integer NOT NULL,
  reason             text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  answered_at        timestamptz,
  ended_at           timestamptz,
  updated_at         timestamptz NOT NULL DEFAULT now()
);
-- At most one transfer in progress per call, whichever instance asks.
CREATE UNIQUE INDEX call_transfers_active_idx ON call_transfers (call_id) WHERE state IN ('ringback', 'answered', 'conference');
CREATE INDEX call_transfers_call_idx ON call_transfers (call_id, created_at);

-- The agent on a leg, so a transfer-aware CDR tells whose handle time a leg was.
ALTER TABLE call_legs ADD COLUMN agent_id text;

-- Recordings of a call's conversation (its main bridge), named on the PBX by their id.
CREATE TABLE call_recordings (
  id           uuid PRIMARY KEY,
  call_id      uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
  pbx_node     text NOT NULL,
  format       text NOT NULL,
  state        text NOT NULL CHECK (state IN ('recording', 'paused', 'done', 'failed')),
  started_at   timestamptz NOT NULL DEFAULT now(),
  ended_at     timestamptz,
  duration_ms  integer,
  cause        text
);
CREATE INDEX call_recordings_call_idx ON call_recordings (call_id, started_at);
