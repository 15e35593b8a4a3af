-- List filters and history reads served by indexes instead of a scan of every row ever.

-- CDR list filters, each in the list's order (newest first), so a page reads a page.
CREATE INDEX cdrs_caller_list_idx ON cdrs (caller_number, ended_at DESC, id DESC);
CREATE INDEX cdrs_disposition_list_idx ON cdrs (disposition, ended_at DESC, id DESC);
CREATE INDEX cdrs_queue_list_idx ON cdrs ((detail->'queue'->>'id'), ended_at DESC, id DESC);
-- The agent filter asks detail->'agents' @> [{"agentId": …}].
CREATE INDEX cdrs_agents_idx ON cdrs USING gin ((detail->'agents') jsonb_path_ops);
-- The forecast's handle time: answered inbound calls by start.
CREATE INDEX cdrs_answered_inbound_idx ON cdrs (started_at) INCLUDE (talk_ms)
  WHERE direction = 'inbound' AND answered_at IS NOT NULL;

-- Call list by caller number.
CREATE INDEX calls_caller_list_idx ON calls (caller_number, created_at DESC, id DESC);

-- Each inbound caller's latest call, kept as calls are inserted: the silent-callers
-- campaign source reads the callers gone quiet from here, not every call ever.
CREATE TABLE inbound_callers (
  number        text PRIMARY KEY,
  name          text,
  last_call_at  timestamptz NOT NULL
);
CREATE INDEX inbound_callers_last_idx ON inbound_callers (last_call_at);

INSERT INTO inbound_callers (number, name, last_call_at)
SELECT DISTINCT ON (caller_number) caller_number, caller_name, created_at
  FROM calls
 WHERE direction = 'inbound' AND caller_number IS NOT NULL AND caller_number <> ''
 ORDER BY caller_number, created_at DESC;

CREATE FUNCTION cti_inbound_caller() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO inbound_callers AS c (number, name, last_call_at)
  VALUES (NEW.caller_number, NEW.caller_name, NEW.created_at)
  ON CONFLICT (number) DO UPDATE
    SET name = CASE WHEN excluded.last_call_at >= c.last_call_at THEN excluded.name ELSE c.name END,
        last_call_at = greatest(c.last_call_at, excluded.last_call_at);
  RETURN NULL;
END;
$$;
CREATE TRIGGER calls_inbound_caller AFTER INSERT ON calls
  FOR EACH ROW WHEN (NEW.direction = 'inbound' AND NEW.caller_number IS NOT NULL AND NEW.caller_number <> '')
  EXECUTE FUNCTION cti_inbound_caller();
