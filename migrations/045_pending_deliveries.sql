-- The sweepers read pending deliveries by age every 30 s: an index of only the pending
-- rows keeps that read the size of its answer however many years of deliveries are kept.
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (updated_at) WHERE status = 'pending';
CREATE INDEX connector_deliveries_pending_idx ON connector_deliveries (connector, updated_at) WHERE status = 'pending';
