-- A key the fraud signals suspended answers 403 until an admin lifts the suspension.
ALTER TABLE api_keys ADD COLUMN suspended_at timestamptz, ADD COLUMN suspended_reason text;
