-- Set when the fan-out has turned an event into deliveries. A row published to the queue
-- long ago but never fanned out lost its job (Redis restarted without its data): the
-- relay publishes it again.
ALTER TABLE outbox ADD COLUMN fanned_out_at timestamptz;
CREATE INDEX outbox_not_fanned_out_idx ON outbox (published_at)
  WHERE fanned_out_at IS NULL AND published_at IS NOT NULL;
