-- The span that committed an event (W3C traceparent), so its webhook and connector
-- deliveries continue the trace of the request that caused it. NULL when not traced.
ALTER TABLE outbox ADD COLUMN trace_parent text;
