-- The figures of the last queue.stats event per queue: the publisher compares the live
-- figures with these instead of searching the journal for its own last events. One row
-- per queue ever published (bounded by the queue definitions, no retention needed).
CREATE TABLE queue_stats_last (
  queue_id    text PRIMARY KEY,
  data        jsonb NOT NULL,
  emitted_at  timestamptz NOT NULL
);
