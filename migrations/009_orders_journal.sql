-- Orders taken on the hotline, the replayable event journal, transfer-aware CDR detail,
-- Asterisk's own Cdr records for reconciliation, and the CRM/logistics connectors.

CREATE TABLE orders (
  id               uuid PRIMARY KEY,
  state            text NOT NULL,
  customer         jsonb NOT NULL,
  media_source     jsonb,
  items            jsonb NOT NULL,
  currency         text NOT NULL,
  total_minor      bigint NOT NULL CHECK (total_minor >= 0),
  call_id          uuid REFERENCES calls (id),
  approvals        jsonb NOT NULL DEFAULT '[]'::jsonb,
  shipment         jsonb,
  delivery         jsonb,
  payment          jsonb,
  -- An order created twice with the same Idempotency-Key by the same API key is one order.
  api_key_id       uuid,
  idempotency_key  text,
  request_hash     text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (api_key_id, idempotency_key)
);
CREATE INDEX orders_created_idx ON orders (created_at DESC, id DESC);
CREATE INDEX orders_call_idx ON orders (call_id) WHERE call_id IS NOT NULL;
CREATE INDEX orders_state_idx ON orders (state);

-- A call's detail lists its orders: an order linked to a call announces that call on the
-- same channel as the calls tables do (see 005), so cached call details are dropped.
CREATE FUNCTION cti_notify_order_call() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.call_id IS NOT NULL THEN PERFORM pg_notify('cti_call_changed', OLD.call_id::text); END IF;
  IF TG_OP <> 'DELETE' AND NEW.call_id IS NOT NULL THEN PERFORM pg_notify('cti_call_changed', NEW.call_id::text); END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER orders_notify_call AFTER INSERT OR DELETE OR UPDATE OF call_id ON orders
  FOR EACH ROW EXECUTE FUNCTION cti_notify_order_call();

CREATE TABLE order_transitions (
  id          bigserial PRIMARY KEY,
  order_id    uuid NOT NULL REFERENCES orders (id),
  action      text NOT NULL,
  from_state  text,
  to_state    text NOT NULL,
  data        jsonb NOT NULL DEFAULT '{}'::jsonb,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_transitions_order_idx ON order_transitions (order_id, id);

-- The journal: the outbox id is the global sequence number. Ids are taken when a row is
-- inserted but become visible when its transaction commits, so a reader paging by id
-- could pass over a row that commits later with a smaller id. Each row remembers its
-- transaction; the journal serves only rows whose transaction is older than every
-- transaction still running (pg_snapshot_xmin), so nothing can appear behind a cursor.
ALTER TABLE outbox ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id();

-- The transfer-aware part of a CDR: legs, agents, queue, hold, transfers, survey.
ALTER TABLE cdrs ADD COLUMN detail jsonb NOT NULL DEFAULT '{}'::jsonb;
CREATE INDEX cdrs_list_idx ON cdrs (ended_at DESC, id DESC);

-- Asterisk's own Cdr manager events, stored as they came, to reconcile with ours.
CREATE TABLE asterisk_cdrs (
  id           bigserial PRIMARY KEY,
  pbx_node     text NOT NULL,
  unique_id    text NOT NULL,
  linked_id    text,
  start_time   text,
  disposition  text,
  fields       jsonb NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  -- One Cdr per channel and start: the same event seen twice (reconnect) is stored once.
  UNIQUE (pbx_node, unique_id, start_time)
);
CREATE INDEX asterisk_cdrs_linked_idx ON asterisk_cdrs (pbx_node, linked_id);

-- One row per (connector, event): the idempotency key on our side.
CREATE TABLE connector_deliveries (
  id               uuid PRIMARY KEY,
  connector        text NOT NULL,
  event_id         uuid NOT NULL,
  event_type       text NOT NULL,
  status           text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'dead')),
  attempts         integer NOT NULL DEFAULT 0,
  last_status_code integer,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  delivered_at     timestamptz,
  UNIQUE (connector, event_id)
);
CREATE INDEX connector_deliveries_dead_idx ON connector_deliveries (updated_at DESC) WHERE status IN ('failed', 'dead');

-- Updates the logistics partner sends us. The update id is the sender's webhook-id, so a
-- retried update is applied once; updates that arrive out of order are kept for review.
CREATE TABLE logistics_updates (
  id           text PRIMARY KEY,
  order_id     uuid,
  body         jsonb NOT NULL,
  outcome      text NOT NULL CHECK (outcome IN ('applied', 'out_of_order', 'unknown_order')),
  detail       text,
  received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX logistics_updates_review_idx ON logistics_updates (received_at DESC) WHERE outcome <> 'applied';
