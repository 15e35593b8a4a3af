-- Campaign contacts are offered to agents through the ACD as preview tasks: a campaign
-- names the queue whose agents take its calls; each offer is a task with its agent, its
-- state and (once accepted) the call placed for it.
ALTER TABLE campaigns ADD COLUMN queue_id text;

CREATE TABLE campaign_tasks (
  id           uuid PRIMARY KEY,
  campaign_id  uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  contact_id   uuid NOT NULL REFERENCES campaign_contacts (id) ON DELETE CASCADE,
  agent_id     text NOT NULL,
  offer_id     uuid NOT NULL,
  state        text NOT NULL CHECK (state IN ('offered', 'declined', 'expired', 'dialing', 'done', 'failed')),
  call_id      uuid,
  outcome      text,
  offered_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  ended_at     timestamptz
);
-- One live task per contact: a contact is never on two agents' screens.
CREATE UNIQUE INDEX campaign_tasks_live_contact_idx ON campaign_tasks (contact_id) WHERE state IN ('offered', 'dialing');
CREATE INDEX campaign_tasks_live_idx ON campaign_tasks (state, expires_at) WHERE state IN ('offered', 'dialing');
CREATE INDEX campaign_tasks_call_idx ON campaign_tasks (call_id) WHERE call_id IS NOT NULL;
