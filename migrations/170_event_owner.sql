-- The key that owns the object an event is about (an API fax, a key named by a security
-- alert): journal reads, streams and webhook subscriptions of other keys skip the row.
-- NULL: the event is about calls, CDRs or the centre's own objects and reaches every reader.
ALTER TABLE outbox ADD COLUMN owner_key_id uuid;
