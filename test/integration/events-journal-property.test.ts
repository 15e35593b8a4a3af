// Concurrent writers (four connections; the pool keeps a fifth for the reader) whose transactions begin, append and commit (or roll back) in a
// random interleaving, with a reader paging the journal between every step: the reader is
// served every committed event exactly once, none rolled back, at dense increasing positions.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DbClient } from '../../src/db/pool.js';
import { journalHead, readJournal } from '../../src/events/journal.js';
import { appendOutbox } from '../../src/events/outbox.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { eventData } from '../helpers/events.js';

let t: TestDatabase;
let clients: DbClient[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  for (let i = 0; i < 4; i++) clients.push(await t.db.connect());
});
afterAll(async () => {
  for (const c of clients) c.release();
  clients = [];
  await t?.drop();
});

const Writer = fc.record({ events: fc.integer({ min: 1, max: 3 }), commit: fc.boolean() });

it('a reader paging between the steps of interleaved writers sees each committed event once, in order', async () => {
  let cursor = await journalHead(t.db);
  await fc.assert(
    fc.asyncProperty(fc.array(Writer, { minLength: 2, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 40 }), fc.integer({ min: 1, max: 3 }), async (writers, choices, pageSize) => {
      // Each writer: begin (and take its transaction id at once, like T1 in the bug), append its events, end.
      const steps = writers.map((w) => 1 + w.events + 1);
      const done = writers.map(() => 0);
      const committed: string[] = [];
      const served: Array<{ id: string; sequence: number }> = [];
      const read = async () => {
        for (;;) {
          const page = await readJournal(t.db, cursor, pageSize);
          served.push(...page.entries.map((e) => ({ id: e.event.id, sequence: e.sequence })));
          cursor = page.next;
          if (page.entries.length < pageSize) return;
        }
      };
      const pending: Record<number, string[]> = {};
      const step = async (i: number) => {
        const c = clients[i]!;
        const k = done[i]!++;
        if (k === 0) {
          await c.query('BEGIN');
          await c.query('SELECT pg_current_xact_id()');
          pending[i] = [];
        } else if (k <= writers[i]!.events) {
          pending[i]!.push((await appendOutbox(c, { type: 'order.created', data: eventData('order.created', { writer: i, k }) })).id);
        } else if (writers[i]!.commit) {
          await c.query('COMMIT');
          committed.push(...pending[i]!);
        } else {
          await c.query('ROLLBACK');
        }
      };
      try {
        for (const choice of choices) {
          const open = writers.map((_, i) => i).filter((i) => done[i]! < steps[i]!);
          if (!open.length) break;
          await step(open[choice % open.length]!);
          await read();
        }
        for (let i = 0; i < writers.length; i++) while (done[i]! < steps[i]!) await step(i);
        await read();
      } finally {
        for (let i = 0; i < writers.length; i++) if (done[i]! > 0 && done[i]! < steps[i]!) await clients[i]!.query('ROLLBACK');
      }
      expect([...served.map((s) => s.id)].sort()).toEqual([...committed].sort());
      for (let k = 1; k < served.length; k++) expect(served[k]!.sequence).toBe(served[k - 1]!.sequence + 1);
    }),
    { numRuns: 40 },
  );
});
