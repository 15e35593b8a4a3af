// Ending calls on a database with history: the statement finds its calls by primary key
// whatever the statistics say, so its cost follows the group, not the calls in progress;
// and a call ended by someone else while the hang-up waited for its row is left alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCall, endCall, END_CALLS } from '../../src/calls/repository.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

const indexesOf = (node: PlanNode): string[] => [
  ...(node['Index Name'] ? [node['Index Name']] : []),
  ...(node.Plans ?? []).flatMap(indexesOf),
];

describe('ending calls on a database with history', () => {
  let t: TestDatabase;
  let live: string[];
  beforeAll(async () => {
    t = await createTestDatabase();
    // Thousands of ended calls and a few hundred in progress, analyzed: the statistics
    // then say a call is almost never live, and the partial index of live calls looks
    // like the cheapest way to any call that is.
    await t.db.query(`INSERT INTO calls (id, pbx_node, channel_id, direction, caller_number, state, created_at, ended_at)
      SELECT gen_random_uuid(), 'pbx1', 'hist.' || g, 'inbound', '+4930' || g, 'ended', now() - interval '1 day', now() - interval '1 day'
      FROM generate_series(1, 20000) g`);
    const { rows } = await t.db.query<{ id: string }>(`INSERT INTO calls (id, pbx_node, channel_id, direction, caller_number, state, created_at)
      SELECT gen_random_uuid(), 'pbx1', 'live.' || g, 'inbound', '+4931' || g, 'connected', now()
      FROM generate_series(1, 500) g RETURNING id`);
    live = rows.map((r) => r.id);
    await t.db.query('ANALYZE calls');
  });
  afterAll(async () => t.drop());

  for (const mode of ['force_custom_plan', 'force_generic_plan']) {
    it(`finds a group's calls by primary key, not among the live calls (${mode})`, async () => {
      const c = await t.db.connect();
      try {
        await c.query(`SET plan_cache_mode = ${mode}`);
        await c.query(`PREPARE end_calls(uuid[], timestamptz[], int[], text[]) AS ${END_CALLS}`);
        const group = live.slice(0, 64);
        // EXECUTE takes no bind parameters: the ids (uuids, nothing to escape) go in as a literal.
        const { rows } = await c.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
          `EXPLAIN (FORMAT JSON) EXECUTE end_calls('{${group.join(',')}}', array_fill(now(), ARRAY[64]), array_fill(16, ARRAY[64]), array_fill('completed'::text, ARRAY[64]))`,
        );
        const indexes = indexesOf(rows[0]!['QUERY PLAN'][0]!.Plan);
        expect(indexes).toContain('calls_pkey');
        expect(indexes).not.toContain('calls_state_idx');
      } finally {
        await c.query('DEALLOCATE ALL');
        c.release();
      }
    });
  }

  it('leaves alone a call that another transaction ended while the hang-up waited for it', async () => {
    const { call } = await createCall(t.db, {
      pbxNode: 'pbx1', channelId: '1795500000.1', linkedid: '1795500000.1', direction: 'inbound',
      callerNumber: '+15551230009', callerName: null, dnis: '100',
    });
    const other = await t.db.connect();
    try {
      await other.query('BEGIN');
      await other.query("UPDATE calls SET state = 'ended', ended_at = now(), hangup_cause = 17 WHERE id = $1", [call.id]);
      const ending = endCall(t.db, call.id, { cause: 16, reason: 'completed' });
      // The hang-up is waiting for the row: the other transaction still holds it.
      await new Promise((r) => setTimeout(r, 200));
      await other.query('COMMIT');
      expect(await ending).toBeUndefined();
    } finally {
      other.release();
    }
    const row = (await t.db.query('SELECT hangup_cause FROM calls WHERE id = $1', [call.id])).rows[0];
    expect(row.hangup_cause).toBe(17);
    expect((await t.db.query('SELECT 1 FROM cdrs WHERE call_id = $1', [call.id])).rowCount).toBe(0);
    expect((await t.db.query("SELECT 1 FROM call_events WHERE call_id = $1 AND type = 'call.ended'", [call.id])).rowCount).toBe(0);
    expect((await t.db.query("SELECT 1 FROM outbox WHERE payload->>'callId' = $1 AND type = 'call.ended'", [call.id])).rowCount).toBe(0);
  });
});
