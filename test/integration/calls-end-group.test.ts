// Hang-ups that arrive together are committed together (group commit): each caller still
// gets its own call and CDR, a call named twice is ended once, and a call that cannot be
// ended fails alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCall, endCall, noteCallEvent, transitionCall, type Call } from '../../src/calls/repository.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

describe('ending calls in groups', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t.drop());

  let seq = 0;
  const t0 = new Date('2026-11-29T03:00:00.000Z');
  const after = (ms: number) => new Date(t0.getTime() + ms);

  /** An answered call queued, offered and connected to an agent, then held and resumed. */
  async function busyCall(): Promise<Call> {
    const channelId = `1795400000.${++seq}`;
    const { call } = await createCall(t.db, {
      pbxNode: 'pbx1', channelId, linkedid: channelId, direction: 'inbound',
      callerNumber: '+15551230001', callerName: 'Alice Caller', dnis: '100', at: t0, data: { account: 'A-1' },
    });
    await transitionCall(t.db, call.id, 'answered', {}, after(1_000));
    await transitionCall(t.db, call.id, 'queued', { queue: { id: 'sales' } }, after(2_000));
    await noteCallEvent(t.db, call.id, 'call.offered', { offer: { agentId: 'agent-7' } }, after(3_000));
    await transitionCall(t.db, call.id, 'connected', { agent: { id: 'agent-7' }, waitMs: 2_500 }, after(4_500));
    await transitionCall(t.db, call.id, 'held', { agentId: 'agent-7' }, after(10_000));
    await transitionCall(t.db, call.id, 'connected', {}, after(12_000));
    return call;
  }

  async function outbox(callId: string) {
    const { rows } = await t.db.query<{ type: string; txid: string; payload: Record<string, unknown> }>(
      "SELECT type, txid::text AS txid, payload FROM outbox WHERE payload->>'callId' = $1 ORDER BY id",
      [callId],
    );
    return rows;
  }

  async function endedTxid(callId: string): Promise<string | undefined> {
    return (await outbox(callId)).find((r) => r.type === 'call.ended')?.txid;
  }

  /** A CDR with the identities that necessarily differ between two calls taken out. */
  const comparable = (value: unknown, call: Call) =>
    JSON.parse(JSON.stringify(value).replaceAll(call.id, '<call>').replaceAll(call.channelId, '<channel>'), (k, v) =>
      k === 'id' || k === 'cdrId' ? '<id>' : v,
    );

  it('ends concurrent calls in shared transactions with the same CDRs as one at a time', async () => {
    const alone = await busyCall();
    const soloEnd = await endCall(t.db, alone.id, { cause: 16, reason: 'completed', at: after(20_000) });

    const calls = await Promise.all(Array.from({ length: 12 }, busyCall));
    const results = await Promise.all(calls.map((c) => endCall(t.db, c.id, { cause: 16, reason: 'completed', at: after(20_000) })));

    const txids = new Set<string>();
    for (const [i, call] of calls.entries()) {
      const r = results[i];
      expect(r?.call.id).toBe(call.id);
      expect(r?.call.state).toBe('ended');
      expect(r?.cdr.callId).toBe(call.id);
      expect(comparable(r?.cdr, call)).toEqual(comparable(soloEnd?.cdr, alone));
      const events = await outbox(call.id);
      expect(events.map((e) => e.type)).toEqual(['call.created', 'call.answered', 'call.held', 'call.ended', 'cdr.created']);
      expect(comparable(events.at(-1)?.payload.data, call)).toEqual(comparable((await outbox(alone.id)).at(-1)?.payload.data, alone));
      const stored = await t.db.query('SELECT id, disposition, talk_ms, detail FROM cdrs WHERE call_id = $1', [call.id]);
      expect(stored.rows).toHaveLength(1);
      expect(stored.rows[0].id).toBe(r?.cdr.id);
      expect(stored.rows[0].detail).toEqual(JSON.parse(JSON.stringify(r?.cdr.detail)));
      const legs = await t.db.query('SELECT count(*)::int AS open FROM call_legs WHERE call_id = $1 AND ended_at IS NULL', [call.id]);
      expect(legs.rows[0].open).toBe(0);
      txids.add((await endedTxid(call.id)) as string);
    }
    // Twelve hang-ups at once: fewer transactions than calls.
    expect(txids.size).toBeLessThan(calls.length);
    // Within a transaction the events are numbered in the order the hang-ups came.
    const { rows: ended } = await t.db.query<{ call_id: string }>(
      "SELECT payload->>'callId' AS call_id FROM outbox WHERE type = 'call.ended' AND payload->>'callId' = ANY($1) ORDER BY id",
      [calls.map((c) => c.id)],
    );
    expect(ended.map((r) => r.call_id)).toEqual(calls.map((c) => c.id));
  });

  it('ends a call whose id is written in capitals like any other', async () => {
    const call = await busyCall();
    const ended = await endCall(t.db, call.id.toUpperCase(), { cause: 16, reason: 'completed' });
    expect(ended?.call.id).toBe(call.id);
    expect((await t.db.query('SELECT 1 FROM cdrs WHERE call_id = $1', [call.id])).rowCount).toBe(1);
  });

  it('ends a call named twice in one group once', async () => {
    const [a, b] = await Promise.all([busyCall(), busyCall()]);
    const [first, second, other] = await Promise.all([
      endCall(t.db, a!.id, { cause: 16, reason: 'completed' }),
      endCall(t.db, a!.id, { cause: 17, reason: 'again' }),
      endCall(t.db, b!.id, { cause: 16, reason: 'completed' }),
    ]);
    expect(first?.call.hangupCause).toBe(16);
    expect(second).toBeUndefined();
    expect(other?.call.id).toBe(b!.id);
    expect(await endedTxid(a!.id)).toBe(await endedTxid(b!.id));
    expect((await outbox(a!.id)).filter((e) => e.type === 'call.ended' || e.type === 'cdr.created')).toHaveLength(2);
    const timeline = await t.db.query("SELECT data FROM call_events WHERE call_id = $1 AND type = 'call.ended'", [a!.id]);
    expect(timeline.rows.map((r) => r.data)).toEqual([{ from: 'connected', cause: 16, reason: 'completed' }]);
    expect((await t.db.query('SELECT 1 FROM cdrs WHERE call_id = $1', [a!.id])).rowCount).toBe(1);
    // And again later: nothing changes.
    expect(await endCall(t.db, a!.id, { cause: 16, reason: 'late' })).toBeUndefined();
    expect((await outbox(a!.id)).length).toBe(5);
  });

  it('fails only the call that cannot be ended; the rest of its group is written', async () => {
    const calls = await Promise.all(Array.from({ length: 6 }, busyCall));
    const bad = calls[2]!;
    // The CDR of one call is refused by the database, after its call row was updated in the group.
    await t.db.query(`CREATE FUNCTION refuse_cdr() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.call_id = '${bad.id}' THEN RAISE EXCEPTION 'cdr refused'; END IF; RETURN NEW; END; $$`);
    await t.db.query('CREATE TRIGGER refuse_cdr BEFORE INSERT ON cdrs FOR EACH ROW EXECUTE FUNCTION refuse_cdr()');
    try {
      const settled = await Promise.allSettled([
        ...calls.map((c) => endCall(t.db, c.id, { cause: 16, reason: 'completed' })),
        endCall(t.db, 'not-a-call-id', { cause: 16, reason: 'completed' }),
      ]);
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
      expect(String((settled[2] as PromiseRejectedResult).reason)).toContain('cdr refused');
      for (const [i, call] of calls.entries()) {
        const state = (await t.db.query('SELECT state FROM calls WHERE id = $1', [call.id])).rows[0].state;
        const cdrs = (await t.db.query('SELECT 1 FROM cdrs WHERE call_id = $1', [call.id])).rowCount;
        const types = (await outbox(call.id)).map((e) => e.type);
        if (call === bad) {
          expect(state).toBe('connected');
          expect(cdrs).toBe(0);
          expect(types).not.toContain('call.ended');
        } else {
          expect((settled[i] as PromiseFulfilledResult<unknown>).value).toBeDefined();
          expect(state).toBe('ended');
          expect(cdrs).toBe(1);
          expect(types.filter((x) => x === 'call.ended')).toHaveLength(1);
        }
      }
    } finally {
      await t.db.query('DROP TRIGGER refuse_cdr ON cdrs');
    }
    // Once the cause is gone, the call ends normally.
    expect((await endCall(t.db, bad.id, { cause: 16, reason: 'completed' }))?.cdr.callId).toBe(bad.id);
  });
});
