-- The journal numbers events in commit order, after commit: a row is inserted without a
-- position, and the sequencer (src/events/sequencer.ts) stamps committed rows with the
-- next dense positions while it holds the journal_state row lock. Readers page by position,
-- so a row that commits late gets a later position instead of appearing behind a cursor
-- already served, and nothing waits for unrelated transactions anywhere in the cluster.
ALTER TABLE outbox ADD COLUMN position bigint;

-- Rows already there keep their id as their position, so cursors handed out before this
-- change go on working.
UPDATE outbox SET position = id;

-- head: the last position handed out; floor: the last position removed by retention (a
-- cursor below it answers 410).
CREATE TABLE journal_state (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  head       bigint NOT NULL,
  floor      bigint NOT NULL DEFAULT 0
);
INSERT INTO journal_state (head) SELECT coalesce(max(id), 0) FROM outbox;

CREATE UNIQUE INDEX outbox_position_idx ON outbox (position);
CREATE INDEX outbox_unsequenced_idx ON outbox (id) WHERE position IS NULL;
-- The relay publishes in journal order.
DROP INDEX outbox_unpublished_idx;
CREATE INDEX outbox_unpublished_idx ON outbox (position) WHERE published_at IS NULL AND position IS NOT NULL;

-- One pass of the sequencer: stamps up to `batch` committed, unstamped rows in id order
-- with the positions after head. The row lock on journal_state makes passes run one after
-- the other (whichever instance calls); each statement of a VOLATILE function takes a
-- fresh snapshot, so the stamping sees every pass committed before the lock was granted.
-- `wait` false gives up at once when another pass holds the lock (background relays);
-- true waits for it (a reader that wants what was committed before it asked), at most
-- lock_timeout, after which it reads what is already stamped.
CREATE FUNCTION cti_sequence_journal(batch integer, wait boolean) RETURNS integer
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
    SELECT id, row_number() OVER (ORDER BY id) AS k
    FROM (SELECT id FROM outbox WHERE position IS NULL ORDER BY id LIMIT batch) s
  ), stamped AS (
    UPDATE outbox o SET position = h + todo.k FROM todo WHERE o.id = todo.id RETURNING 1
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
