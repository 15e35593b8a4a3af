-- Every object an integrator creates records the key that created it; a key sees and
-- changes its own, `admin` sees all. Keys are managed over REST: who created a key, and a
-- rotated key's previous secret with the moment it stops working.

ALTER TABLE api_keys ADD COLUMN created_by uuid REFERENCES api_keys (id);
ALTER TABLE api_keys ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE api_keys ADD COLUMN previous_prefix text UNIQUE;
ALTER TABLE api_keys ADD COLUMN previous_hash text;
ALTER TABLE api_keys ADD COLUMN previous_expires_at timestamptz;
CREATE INDEX api_keys_list_idx ON api_keys (created_at DESC, id DESC);

ALTER TABLE webhook_subscriptions ADD COLUMN owner_key_id uuid REFERENCES api_keys (id);
CREATE INDEX webhook_subscriptions_owner_idx ON webhook_subscriptions (owner_key_id, created_at DESC, id DESC);

ALTER TABLE campaigns ADD COLUMN owner_key_id uuid REFERENCES api_keys (id);
CREATE INDEX campaigns_owner_idx ON campaigns (owner_key_id);

-- A wallboard link is a row, so that each can be listed and revoked on its own; the URL
-- carries a signed token naming the row.
CREATE TABLE wallboard_links (
  id            uuid PRIMARY KEY,
  owner_key_id  uuid NOT NULL REFERENCES api_keys (id),
  label         text,
  view          jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  revoked_at    timestamptz
);
CREATE INDEX wallboard_links_owner_idx ON wallboard_links (owner_key_id, created_at DESC);
