-- A transfer may name a queue: blind, the caller re-enters it; attended, the agent the
-- queue offered is consulted (to_agent_id holds them then).
ALTER TABLE call_transfers ADD COLUMN to_queue_id text;
