// The journal's sequencer: committed outbox rows get dense positions in the order they are
// stamped, after their commit (the SQL side is cti_sequence_journal, migration 040). Passes
// are serialised by the journal_state row lock whichever instance runs them, so a reader
// that sees position p sees every position below it: nothing can turn up behind a cursor.
import type { Queryable } from '../db/pool.js';

/** Rows stamped per call of the SQL sequencer (the relay's one-round-trip pass uses it too). */
export const SEQUENCER_BATCH = 5_000;
const BATCH = SEQUENCER_BATCH;

/**
 * Stamps every committed, unstamped event. `wait` true waits for a pass running elsewhere
 * to finish (so what was committed before the call is stamped when it returns); false
 * leaves the work to that pass. Returns how many rows this call stamped.
 */
export async function sequenceJournal(db: Queryable, options: { wait: boolean }): Promise<number> {
  let total = 0;
  for (;;) {
    const { rows } = await db.query<{ n: number }>({
      name: options.wait ? 'journal-sequence-wait' : 'journal-sequence',
      text: 'SELECT cti_sequence_journal($1, $2) AS n',
      values: [BATCH, options.wait],
    });
    const n = Number(rows[0]?.n ?? 0);
    total += n;
    if (n < BATCH) return total;
  }
}
