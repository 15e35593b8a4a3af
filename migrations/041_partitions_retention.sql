-- Retention: the append-only tables that grow fastest with traffic become partitioned by
-- time, so old data leaves by dropping whole partitions (src/retention). An existing table
-- is not rewritten: it becomes the parent's first partition (`<table>_legacy`, everything
-- up to tomorrow 00:00 UTC), dropped as a whole once its newest row is past retention.
-- Partitions are named `<table>_p<YYYYMMDD>` after their first UTC day; a default partition
-- catches rows outside them (it stays empty while the maintenance job creates partitions
-- ahead). Keys that must stay unique include the partition key, as Postgres requires.

CREATE FUNCTION cti_partition_by_time(tbl text, key text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  legacy text := tbl || '_legacy';
  seq text := pg_get_serial_sequence(tbl, 'id');
  upto timestamptz := (date_trunc('day', now() AT TIME ZONE 'UTC') + interval '1 day') AT TIME ZONE 'UTC';
  trg record;
BEGIN
  EXECUTE format('ALTER TABLE %I RENAME TO %I', tbl, legacy);
  -- Row triggers are recreated on the parent, which clones them onto every partition.
  FOR trg IN SELECT tgname FROM pg_trigger WHERE tgrelid = legacy::regclass AND NOT tgisinternal LOOP
    EXECUTE format('DROP TRIGGER %I ON %I', trg.tgname, legacy);
  END LOOP;
  EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS) PARTITION BY RANGE (%I)', tbl, legacy, key);
  -- The id sequence must outlive the legacy partition.
  IF seq IS NOT NULL THEN
    EXECUTE format('ALTER SEQUENCE %s OWNED BY %I.id', seq, tbl);
  END IF;
  EXECUTE format('ALTER TABLE %I ADD PRIMARY KEY (id, %I)', tbl, key);
  -- A partition has the parent's primary key (id, time) and no other: the old one goes.
  FOR trg IN SELECT conname FROM pg_constraint WHERE conrelid = legacy::regclass AND contype = 'p' LOOP
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', legacy, trg.conname);
  END LOOP;
  EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (MINVALUE) TO (%L)', tbl, legacy, upto);
  EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', tbl || '_default', tbl);
END;
$$;

-- The journal. An event is unique by (event_id, created_at): an event inserted twice (the
-- ACD state relay after a crash) carries its own occurredAt as created_at, so the second
-- insert meets the first.
SELECT cti_partition_by_time('outbox', 'created_at');
ALTER TABLE outbox ADD CONSTRAINT outbox_event_key UNIQUE (event_id, created_at);
CREATE INDEX outbox_event_idx ON outbox (event_id);
CREATE INDEX outbox_position_all_idx ON outbox (position);
CREATE INDEX outbox_unsequenced_all_idx ON outbox (id) WHERE position IS NULL;
CREATE INDEX outbox_unpublished_all_idx ON outbox (position) WHERE published_at IS NULL AND position IS NOT NULL;
CREATE INDEX outbox_not_fanned_out_all_idx ON outbox (published_at) WHERE fanned_out_at IS NULL AND published_at IS NOT NULL;
CREATE INDEX outbox_created_at_all_idx ON outbox (created_at);

-- The sequencer finds each row by its whole key, so only the partition holding it is searched.
CREATE OR REPLACE FUNCTION cti_sequence_journal(batch integer, wait boolean) RETURNS integer
LANGUAGE plpgsql SET lock_timeout = '2s' AS $$
DECLARE
  h bigint;
  n integer;
BEGIN
  IF wait THEN
    SELECT head INTO h FROM journal_state FOR UPDATE;
  ELSE
    SELECT head INTO h FROM journal_state FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN RETURN 0; END IF;
  END IF;
  WITH todo AS (
    SELECT id, created_at, row_number() OVER (ORDER BY id) AS k
    FROM (SELECT id, created_at FROM outbox WHERE position IS NULL ORDER BY id LIMIT batch) s
  ), stamped AS (
    UPDATE outbox o SET position = h + todo.k FROM todo
    WHERE o.id = todo.id AND o.created_at = todo.created_at RETURNING 1
  )
  SELECT count(*) INTO n FROM stamped;
  IF n > 0 THEN
    UPDATE journal_state SET head = h + n;
  END IF;
  RETURN n;
EXCEPTION WHEN lock_not_available THEN
  RETURN 0;
END;
$$;

-- Call timelines.
SELECT cti_partition_by_time('call_events', 'at');
ALTER TABLE call_events ADD FOREIGN KEY (call_id) REFERENCES calls (id) ON DELETE CASCADE;
CREATE INDEX call_events_call_all_idx ON call_events (call_id, id);
CREATE TRIGGER call_events_notify_changed AFTER INSERT OR UPDATE OR DELETE ON call_events
  FOR EACH ROW EXECUTE FUNCTION cti_notify_call_changed();
CREATE TRIGGER call_events_notify_truncated AFTER TRUNCATE ON call_events
  FOR EACH STATEMENT EXECUTE FUNCTION cti_notify_calls_truncated();

-- Webhook delivery attempts.
SELECT cti_partition_by_time('webhook_attempts', 'at');
ALTER TABLE webhook_attempts ADD FOREIGN KEY (delivery_id) REFERENCES webhook_deliveries (id) ON DELETE CASCADE;
CREATE INDEX webhook_attempts_delivery_all_idx ON webhook_attempts (delivery_id, attempt);

DROP FUNCTION cti_partition_by_time(text, text);

-- The row tables that stay unpartitioned (referenced by keys, or updated in place) are
-- trimmed in small batches by time; BRIN indexes find the old rows of these append-mostly
-- tables for almost nothing on the write path.
CREATE INDEX asterisk_cdrs_received_brin ON asterisk_cdrs USING brin (received_at);
CREATE INDEX acd_queue_outcomes_at_brin ON acd_queue_outcomes USING brin (at);
CREATE INDEX acd_queue_entries_at_brin ON acd_queue_entries USING brin (at);
CREATE INDEX logistics_updates_received_brin ON logistics_updates USING brin (received_at);
CREATE INDEX webhook_deliveries_created_brin ON webhook_deliveries USING brin (created_at);
CREATE INDEX connector_deliveries_created_brin ON connector_deliveries USING brin (created_at);
CREATE INDEX voicemail_messages_created_brin ON voicemail_messages USING brin (created_at);
-- A call is removed only when nothing refers to it any more: these make that check a probe.
CREATE INDEX voicemail_messages_call_idx ON voicemail_messages (call_id) WHERE call_id IS NOT NULL;
CREATE INDEX faxes_call_idx ON faxes (call_id) WHERE call_id IS NOT NULL;
