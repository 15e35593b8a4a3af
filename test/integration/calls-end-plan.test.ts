// Ending calls on a database with history: the statement finds its calls by primary key
// whatever the statistics say, so its cost follows the group, not the calls in progress;
// and a call ended by someone else while the hang-up waited for its row is left alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCall, endCall, END_CALLS } from '../../src/calls/repository.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

const indexesOf = (node: PlanNode): string[] => nodesOf(node).flatMap((n) => (n['Index Name'] ? [n['Index Name']] : []));

/** The plan of END_CALLS for these calls, in the given plan_cache_mode, on a connection of its own. */
async function endPlan(t: TestDatabase, mode: string, group: string[]): Promise<PlanNode> {
  const c = await t.db.connect();
  try {
    await c.query(`SET plan_cache_mode = ${mode}`);
    await c.query(`PREPARE end_calls(uuid[], timestamptz[], int[], text[]) AS ${END_CALLS}`);
    const n = group.length;
    // EXECUTE takes no bind parameters: the ids (uuids, nothing to escape) go in as a literal.
    const { rows } = await c.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
      `EXPLAIN (FORMAT JSON) EXECUTE end_calls('{${group.join(',')}}', array_fill(now(), ARRAY[${n}]), array_fill(16, ARRAY[${n}]), array_fill('completed'::text, ARRAY[${n}]))`,
    );
    return rows[0]!['QUERY PLAN'][0]!.Plan;
  } finally {
    await c.query('DEALLOCATE ALL');
    c.release();
  }
}

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
      const indexes = indexesOf(await endPlan(t, mode, live.slice(0, 64)));
      expect(indexes).toContain('calls_pkey');
      expect(indexes).not.toContain('calls_state_idx');
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

describe('ending calls on a database that has no statistics yet', () => {
  let t: TestDatabase;
  let ids: string[];
  beforeAll(async () => {
    t = await createTestDatabase();
    // Never analyzed (a new database, a server without autovacuum): the planner knows only
    // the tables' sizes. Each call has its caller leg, as calls do.
    const { rows } = await t.db.query<{ id: string }>(`INSERT INTO calls (id, pbx_node, channel_id, direction, caller_number, state, created_at)
      SELECT gen_random_uuid(), 'pbx1', 'fresh.' || g, 'inbound', '+4932' || g, 'connected', now()
      FROM generate_series(1, 20000) g RETURNING id`);
    await t.db.query(`INSERT INTO call_legs (call_id, channel_id, role) SELECT id, channel_id, 'caller' FROM calls`);
    ids = rows.map((r) => r.id);
  });
  afterAll(async () => t.drop());

  for (const mode of ['force_custom_plan', 'force_generic_plan']) {
    it(`reads neither every call nor every leg for a group (${mode})`, async () => {
      const plan = await endPlan(t, mode, ids.slice(0, 20));
      const scanned = nodesOf(plan).filter((n) => n['Node Type'] === 'Seq Scan').map((n) => n['Relation Name']);
      expect(scanned).not.toContain('calls');
      expect(scanned).not.toContain('call_legs');
      expect(indexesOf(plan)).toContain('calls_pkey');
      expect(indexesOf(plan)).toContain('call_legs_pkey');
    });
  }

  it('ends the group, closes its legs and notes each end once', async () => {
    const group = ids.slice(100, 110);
    const ended = await Promise.all(group.map((id) => endCall(t.db, id, { cause: 16, reason: 'completed' })));
    expect(ended.every((e) => e !== undefined)).toBe(true);
    const { rows } = await t.db.query<{ open: number; ended: number; notes: number; cdrs: number }>(
      `SELECT (SELECT count(*)::int FROM call_legs WHERE call_id = ANY ($1::uuid[]) AND ended_at IS NULL) AS open,
              (SELECT count(*)::int FROM calls WHERE id = ANY ($1::uuid[]) AND state = 'ended' AND ended_at IS NOT NULL) AS ended,
              (SELECT count(*)::int FROM call_events WHERE call_id = ANY ($1::uuid[]) AND type = 'call.ended') AS notes,
              (SELECT count(*)::int FROM cdrs WHERE call_id = ANY ($1::uuid[])) AS cdrs`,
      [group],
    );
    expect(rows[0]).toEqual({ open: 0, ended: 10, notes: 10, cdrs: 10 });
    // The legs' end is the call's.
    const legs = await t.db.query(`SELECT 1 FROM call_legs g JOIN calls c ON c.id = g.call_id WHERE g.call_id = ANY ($1::uuid[]) AND g.ended_at <> c.ended_at`, [group]);
    expect(legs.rowCount).toBe(0);
  });
});
