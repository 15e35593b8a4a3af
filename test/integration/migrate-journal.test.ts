// Migrations 040 and 041 on a database that already has history: every row is kept, the
// events keep their sequence numbers (cursors handed out before stay valid), new events
// continue after them, and the converted tables take new rows and keep their keys unique.
import { copyFile, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { withTransaction } from '../../src/db/pool.js';
import { migrate, MIGRATIONS_DIR } from '../../src/db/migrate.js';
import { readJournal } from '../../src/events/journal.js';
import { appendOutbox } from '../../src/events/outbox.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { insertCall } from './api-fixtures.js';
import { eventData } from '../helpers/events.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ migrate: false });
});
afterAll(async () => t?.drop());

it('keeps the history and its cursors when the journal gets positions and partitions', async () => {
  const before = await mkdtemp(join(tmpdir(), 'mig-'));
  for (const f of await readdir(MIGRATIONS_DIR)) if (Number(f.split('_')[0]) < 40) await copyFile(join(MIGRATIONS_DIR, f), join(before, f));
  await migrate(t.db, before);

  // History as the old schema wrote it, with a hole in the ids (a rolled-back insert).
  const ids: number[] = [];
  for (let i = 0; i < 5; i++) {
    const { rows } = await t.db.query<{ id: number }>(
      `INSERT INTO outbox (event_id, type, payload) VALUES (gen_random_uuid(), 'order.created', jsonb_build_object('n', ${i}::int)) RETURNING id`,
    );
    ids.push(rows[0]!.id);
    if (i === 2) await t.db.query("SELECT nextval('outbox_id_seq')");
  }
  const call = await insertCall(t.db, { state: 'ended' });
  await t.db.query(`INSERT INTO call_events (call_id, type, data) VALUES ($1, 'call.created', '{}')`, [call]);

  await migrate(t.db);

  const cursor = ids[1]!; // handed out before the upgrade
  const page = await readJournal(t.db, cursor, 100);
  expect(page.entries.map((e) => e.sequence)).toEqual(ids.slice(2));
  expect(page.entries.map((e) => (e.event as any).n)).toEqual([2, 3, 4]);

  const next = await withTransaction(t.db, (tx) => appendOutbox(tx, { type: 'order.created', data: eventData('order.created', { n: 'new' }) }));
  const more = await readJournal(t.db, page.next, 100);
  expect(more.entries.map((e) => [e.sequence, e.event.id])).toEqual([[ids[4]! + 1, next.id]]);

  const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM call_events WHERE call_id = $1', [call]);
  expect(rows[0]!.n).toBe(1);
  await t.db.query(`INSERT INTO call_events (call_id, type, data) VALUES ($1, 'call.ended', '{}')`, [call]);
  // The id sequences outlive the old tables, now partitions.
  await t.db.query('DROP TABLE call_events_legacy');
  await t.db.query(`INSERT INTO call_events (call_id, type, data) VALUES ($1, 'call.ended', '{}')`, [call]);
});
