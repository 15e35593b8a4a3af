-- The API key that asked for a fax (NULL for fax-on-demand from a caller).
ALTER TABLE faxes ADD COLUMN api_key_id uuid REFERENCES api_keys (id) ON DELETE SET NULL;
