-- A relay pass in one round trip, for the passes the relay fans out itself (decision 84):
-- the journal's sequencer, then the next events after the watermark read and the watermark
-- moved past them, in one transaction. Nothing has to happen between the read and the move
-- when no queue is involved, so the watermark's row lock is held for this call only. The
-- stamps commit with the move: a reader that sees position p still sees every position
-- below it (the sequencer's lock orders the stamps as before).
--
-- Rows: first one with `stamped` (rows this call numbered) and no event, then the events
-- in journal order. A relay that finds the watermark locked (another instance's pass)
-- gets the first row only.
CREATE OR REPLACE FUNCTION cti_relay_pass(batch integer, lim integer)
RETURNS TABLE (stamped integer, pos bigint, body jsonb, trace text)
LANGUAGE plpgsql AS $$
DECLARE
  s integer := 0;
  n integer;
BEGIN
  LOOP
    n := cti_sequence_journal(batch, true);
    s := s + n;
    EXIT WHEN n < batch;
  END LOOP;
  RETURN QUERY SELECT s, NULL::bigint, NULL::jsonb, NULL::text;
  -- A new snapshot (a volatile function's next statement): every stamp committed before
  -- and this call's own. The locking read returns the watermark's newest version; the
  -- update then writes that version (READ COMMITTED re-checks it).
  RETURN QUERY
    WITH nxt AS (
      SELECT o.position, o.payload, o.trace_parent FROM outbox o
      WHERE o.position > (SELECT r.published_upto FROM outbox_relay_state r FOR UPDATE SKIP LOCKED)
      ORDER BY o.position LIMIT lim
    ), advanced AS (
      UPDATE outbox_relay_state SET published_upto = (SELECT max(x.position) FROM nxt x)
      WHERE EXISTS (SELECT 1 FROM nxt)
    )
    SELECT NULL::integer, x.position, x.payload, x.trace_parent FROM nxt x ORDER BY x.position;
END;
$$;
