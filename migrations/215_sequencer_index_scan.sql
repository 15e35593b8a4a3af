-- The sequencer finds the unstamped events through the partial index of rows without a
-- position, and each stamp leaves that index an entry for the row's old version, dead once
-- the stamp commits, until a vacuum. Planned as a bitmap scan (what the planner picks for a
-- few expected rows), every pass visited the heap page of every event stamped since the
-- last vacuum, and rechecked each row: a pass cost grew with the traffic since then (at
-- 2,200 hang-ups a second, 50 buffers of the journal's heap read per CDR, of which the
-- writes need 28). A plain index scan reads the same entries in key order (what
-- ORDER BY id LIMIT wants anyway) and marks the dead ones as it passes, so the next pass
-- skips them without touching the heap. Neither a bitmap scan nor, on a small journal
-- whose rows the planner expects to be mostly unstamped, a sequential scan of all of it
-- (the other plan that re-reads every page) is left to choose. Nothing else changes: the
-- same rows, locks and positions (test/integration/sequencer-scan.test.ts).
ALTER FUNCTION cti_sequence_journal(integer, boolean) SET enable_bitmapscan = off;
ALTER FUNCTION cti_sequence_journal(integer, boolean) SET enable_seqscan = off;
