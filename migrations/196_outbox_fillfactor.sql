-- An event's row is written once and changed twice soon after (the sequencer stamps its
-- position, the fan-out marks it done). On a full page each change puts the new version
-- on another page and logs it whole; with room left on the page the new version stays
-- beside the old one and Postgres logs only the bytes that changed (for a row that is
-- mostly its payload, a small part). Measured with bench/outbox-wal.ts: WAL per event
-- 3.5 kB at fillfactor 100, 3.1 kB at 80, 2.7 kB at 70, 2.5 kB at 60. The heap does not
-- grow for it: at 100 each change left its old version's hole on a page the inserts had
-- moved past (2.4 kB of heap per event after vacuum, with the relay's former update too),
-- at 70 the versions share the page and pruning reclaims them in place (1.5 kB).
--
-- A partitioned table holds no storage parameters: each partition does. New partitions
-- take those of the default partition (src/retention/partitions.ts).
DO $$
DECLARE
  p regclass;
BEGIN
  FOR p IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'outbox'::regclass LOOP
    EXECUTE format('ALTER TABLE %s SET (fillfactor = 70)', p);
  END LOOP;
END $$;
