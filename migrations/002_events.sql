-- The fan-out looks up the deliveries of one event on every (re-)run of its job: without
-- this index that is a scan of the whole delivery log per event.
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);
