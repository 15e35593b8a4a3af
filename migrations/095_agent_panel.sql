-- The agent desktop's configuration and links. Not-ready reasons and wrap-up disposition
-- codes are short lists the centre configures (the panel's menus, the CDR's wording); an
-- agent panel link is a row, like a wallboard link, so each can be listed and revoked.

CREATE TABLE agent_codes (
  kind      text NOT NULL CHECK (kind IN ('not_ready_reason', 'disposition')),
  code      text NOT NULL,
  label     text NOT NULL,
  position  integer NOT NULL,
  PRIMARY KEY (kind, code)
);

CREATE TABLE agent_panel_links (
  id            uuid PRIMARY KEY,
  agent_id      text NOT NULL,
  owner_key_id  uuid NOT NULL REFERENCES api_keys (id),
  label         text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  revoked_at    timestamptz
);
CREATE INDEX agent_panel_links_owner_idx ON agent_panel_links (owner_key_id, created_at DESC);

-- Whether an agent took part in a call (panel sessions, wrap-up): also for ended legs.
CREATE INDEX acd_agent_legs_call_agent_idx ON acd_agent_legs (call_id, agent_id);
