-- What the ACD needs to rebuild its live state when Redis comes back empty or from an old
-- snapshot: each agent's last state as its agent.state_changed events said (one row per
-- agent, written with the event), and the beat the service keeps in Redis and mirrors
-- here (a Redis whose beat is missing or behind this one lost data).
CREATE TABLE acd_agent_last_state (
  agent_id  text PRIMARY KEY,
  state     text NOT NULL,
  reason    text,
  since     timestamptz NOT NULL,
  call_id   text,
  event_id  uuid NOT NULL
);

INSERT INTO acd_agent_last_state (agent_id, state, reason, since, call_id, event_id)
SELECT DISTINCT ON (payload->'data'->>'agentId')
       payload->'data'->>'agentId', payload->'data'->>'to', payload->'data'->>'reason',
       (payload->>'occurredAt')::timestamptz, payload->'data'->>'callId', event_id
FROM outbox
WHERE type = 'agent.state_changed' AND payload->'data'->>'agentId' IS NOT NULL
ORDER BY payload->'data'->>'agentId', id DESC;

CREATE TABLE acd_live_epoch (
  id    int PRIMARY KEY CHECK (id = 1),
  beat  bigint NOT NULL
);
