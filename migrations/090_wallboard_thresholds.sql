-- Warning and alarm thresholds of a queue's wallboard figures, as a supervisor set them:
-- only the figures they changed (the rest follow the defaults, which follow the queue's
-- service-level target). One row per queue; it goes with the queue.
CREATE TABLE wallboard_thresholds (
  queue_id      text PRIMARY KEY REFERENCES acd_queues (id) ON DELETE CASCADE,
  thresholds    jsonb NOT NULL,
  owner_key_id  uuid NOT NULL REFERENCES api_keys (id),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
