// The journal's sequencer does not re-read the events it has stamped: each stamp leaves
// the index of unstamped rows a dead entry (until a vacuum), and a pass must step over
// those entries without visiting their rows again (migration 215).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sequenceJournal } from '../../src/events/sequencer.js';
import type { Queryable } from '../../src/db/pool.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

describe('the sequencer after many stamps', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t.drop());

  const insertEvents = (db: Queryable, n: number) =>
    db.query(`INSERT INTO outbox (event_id, type, payload) SELECT gen_random_uuid(), 'call.ended', jsonb_build_object('n', g, 'pad', repeat('x', 400)) FROM generate_series(1, $1::int) g`, [n]);

  /**
   * Heap pages of the journal read by one sequencer pass. Everything runs on one
   * connection: a backend's counts reach the view when it flushes them, and another
   * backend's late flush would be counted as this pass's reads.
   */
  async function pagesReadByOnePass(c: Queryable): Promise<{ pages: number; stamped: number }> {
    const read = async () => {
      await c.query('SELECT pg_stat_force_next_flush()');
      await c.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await c.query<{ n: string }>(
        `SELECT coalesce(sum(heap_blks_hit + heap_blks_read), 0) AS n FROM pg_statio_user_tables WHERE relname IN ('outbox_legacy', 'outbox_default')`,
      );
      return Number(rows[0]!.n);
    };
    const before = await read();
    const stamped = await sequenceJournal(c, { wait: true });
    return { pages: (await read()) - before, stamped };
  }

  it('steps over the entries of the rows it stamped before instead of visiting them', async () => {
    const c = await t.db.connect();
    try {
      // 5,000 events of about half a kilobyte: over 300 heap pages, stamped and not vacuumed.
      await insertEvents(c, 5_000);
      expect(await sequenceJournal(c, { wait: true })).toBe(5_000);
      // Re-reading them (a bitmap scan, or a sequential scan of the small journal: the plans
      // the planner picked for a new connection's first passes), every pass of one new event
      // reads all of those pages three times over (over 1,000 buffers). By the index, a pass
      // reads at most the pages of the entries not yet marked, once; it marks the dead ones as
      // soon as the stamps are old enough for every snapshot on the server (on a busy one,
      // other backends starting up may hold that back a moment), and from then on a pass
      // reads about what it stamps.
      let light: number | undefined;
      for (let i = 0; i < 20 && light === undefined; i++) {
        await insertEvents(c, 1);
        const pass = await pagesReadByOnePass(c);
        expect(pass.stamped).toBe(1);
        expect(pass.pages).toBeLessThan(600);
        if (pass.pages < 30) light = i;
        else await new Promise((r) => setTimeout(r, 50));
      }
      expect(light).toBeDefined();
    } finally {
      c.release();
    }
  });
});
