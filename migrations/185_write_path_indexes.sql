-- Two indexes that only cost the write path. On a database holding history, an insert
-- into an index keyed by random UUIDs lands on a leaf page no recent write touched; the
-- first change to a page after a checkpoint writes the whole page to the WAL, so each
-- such index adds about a page (8 kB) of WAL per row. A hang-up writes two journal events
-- and a CDR: on a full database that WAL, not the rows, is what slows hang-ups.
--
-- The journal's event ids are looked up by equality only, and the unique key
-- (event_id, created_at) serves those lookups: the plain event_id index repeated it, on
-- every partition, at the cost of one more random page per event.
DROP INDEX IF EXISTS outbox_event_idx;
-- The CDR list's (ended_at DESC, id DESC) serves every read by end time, retention's included.
DROP INDEX IF EXISTS cdrs_ended_at_idx;
