-- Connectors created over the API (/v1/connectors); those in CONNECTORS stay in the
-- environment. `config` holds the connector as validated (ConnectorSchema), secrets
-- included: they are written here and never read back out through the API.
CREATE TABLE connectors (
  id           text PRIMARY KEY,
  config       jsonb NOT NULL,
  owner_key_id uuid REFERENCES api_keys (id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
