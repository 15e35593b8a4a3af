-- Dead webhook deliveries counted for /metrics without reading every delivery.
CREATE INDEX webhook_deliveries_dead_idx ON webhook_deliveries (updated_at DESC) WHERE status IN ('failed', 'dead');
