-- The relay publishes in journal order, so "published" is a prefix of the journal: one
-- watermark row says how far it reached, instead of a `published_at` update per event.
-- That update wrote a new version of the whole row (payload included) and, since the
-- column sat in two partial indexes, an entry in every index of the partition: per event
-- a heap tuple, four or five index entries and their WAL, for a fact one number holds.
--
-- published_upto: the last journal position handed to the `events` queue. Its row lock
-- serialises relay passes across instances (the sequencer's passes already were).
CREATE TABLE outbox_relay_state (
  singleton       boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  published_upto  bigint NOT NULL
);
-- Rows stamped but not yet published keep waiting: the watermark starts below the first
-- of them (or at the journal's head when there is none).
INSERT INTO outbox_relay_state (published_upto)
SELECT coalesce(
  (SELECT min(position) - 1 FROM outbox WHERE published_at IS NULL AND position IS NOT NULL),
  (SELECT head FROM journal_state));

-- The relay now reads `position > published_upto` through the position index. New rows
-- are born "published" as far as the column goes (the default below), so the old relay's
-- partial index of unpublished rows stays as it is and no new row ever enters it: an
-- instance of the previous release still running during a rolling upgrade finds nothing
-- to publish there at once (the new relays publish everything), instead of walking the
-- whole journal for rows that no longer get a `published_at` of their own. The default
-- is computed at the insert, so it costs no write and, in no index, no index entry.
ALTER TABLE outbox ALTER COLUMN published_at SET DEFAULT now();

-- The sweep for jobs lost with Redis's data looks for published rows not fanned out.
-- Keyed by position (what "published" now means) and entered only once a row is stamped,
-- as the old index was entered only once a row was published.
DROP INDEX IF EXISTS outbox_not_fanned_out_all_idx;
DROP INDEX IF EXISTS outbox_not_fanned_out_idx;
CREATE INDEX outbox_not_fanned_out_pos_idx ON outbox (position)
  WHERE fanned_out_at IS NULL AND position IS NOT NULL;

-- When the sweep last sent a row again: the next sweep leaves it a grace period to be
-- fanned out. Written only for rows whose job was lost, and in no index.
ALTER TABLE outbox ADD COLUMN resent_at timestamptz;
-- `published_at` is no longer written: its default marks new rows for older releases only.
COMMENT ON COLUMN outbox.published_at IS 'Written by releases before migration 195; since, the insert time (a default, for older instances during an upgrade); see outbox_relay_state';
