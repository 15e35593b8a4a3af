-- The sequencer finds the unstamped events through the partial index of rows without a
-- position, and each stamp leaves that index an entry for the row's old version, dead once
-- the stamp commits, until a vacuum. Planned as a bitmap scan (what the planner picks for a
-- few expected rows), every pass visited the heap page of every event stamped since the
-- last vacuum, and rechecked each row: a pass cost grew with the traffic since then, and at
-- 2,000 hang-ups a second most of the sequencer's time was re-reading rows it had already
-- numbered. A plain index scan reads the same entries in key order (what ORDER BY id LIMIT
-- wants anyway) and marks the dead ones as it passes, so the next pass skips them without
-- touching the heap. Nothing else changes: the same rows, locks and positions.
ALTER FUNCTION cti_sequence_journal(integer, boolean) SET enable_bitmapscan = off;
